#!/usr/bin/env python3
"""Write the hand-made seed inputs of tests/fuzz/fuzz_ops.c into
tests/fuzz/seeds/. Each seed is flags, then operations: an opcode byte
(bit 7: the second runtime / the other runtime's objects), its argument
byte, then any extra bytes (a tasklet's script: length, then its ops)."""
import os

(NEW, SPAWN, SETUP, INSERT, REMOVE, RUN, SWITCH, KILL, THROW, FREE, BIND,
 DETACH, SEND, RECEIVE, SEND_EXC, SEND_SEQ, SCHEDULE, SCHEDULE_REMOVE,
 RUN_RT, CLOSE, PREF, CHANNEL, CALLBACK, DUMP, TEMPVAL, RETURN, RECURSE,
 RUNTIME, QUERY, SELECT, SLEEP) = range(31)
BUFFERED = 0x40  # CHANNEL argument bit: buffered, capacity (a >> 2) % 4
SEND_CASE = 0x40  # select case byte bit: a send case (else a receive)
OTHER = 0x80
MAIN, CURRENT = 0x80, 0x81


def script(*ops):
    b = bytes(x for op in ops for x in op)
    return bytes([len(b)]) + b


def op(code, a=0, *extra):
    out = bytes([code, a])
    for e in extra:
        out += e if isinstance(e, bytes) else bytes([e])
    return out


SEEDS = {
    # a tasklet echoes a value back to main
    "echo": [0, op(CHANNEL, 0),
             op(SPAWN, 0, script(op(RECEIVE, 0), op(SEND, 0))),
             op(SEND, 0), op(RECEIVE, 0), op(RUN_RT, 0x80)],
    # main receives with nobody to send: SL_EDEADLOCK
    "deadlock": [0, op(CHANNEL, 0), op(RECEIVE, 0), op(SEND, 0),
                 op(CHANNEL, 0), op(DUMP, 5)],
    # kill and throw an owned, blocked tasklet, then free it
    "kill_throw": [0, op(CHANNEL, 1),
                   op(NEW, 1, script(op(RECEIVE, 1), op(RECEIVE, 1),
                                     op(RETURN, 2))),
                   op(SETUP, 0), op(RUN_RT, 0x80), op(THROW, 0, 3),
                   op(RUN_RT, 0x80), op(KILL, 0x10), op(RUN_RT, 4),
                   op(FREE, 0), op(SEND, 1)],
    # preferences, schedule_all, close/open with blocked tasklets
    "channels": [0, op(CHANNEL, 2), op(PREF, 2 | (1 << 2)),
                 op(SPAWN, 0, script(op(SEND, 2), op(SEND_SEQ, 2 | 0x30))),
                 op(SPAWN, 0, script(op(RECEIVE, 2), op(RECEIVE, 2))),
                 op(RUN_RT, 0x80), op(CLOSE, 2 | 0x10), op(RECEIVE, 2),
                 op(PREF, 2 | 0x60), op(CLOSE, 2), op(RECEIVE, 2),
                 op(RECEIVE, 2), op(RECEIVE, 2), op(SEND_EXC, 2, 9)],
    # callbacks that try forbidden calls, on two runtimes
    "callbacks": [1 | 8, op(CHANNEL, 0), op(CALLBACK, 1, 0x0b),
                  op(CALLBACK, 0, 0x03), op(CHANNEL | OTHER, 0),
                  op(CALLBACK | OTHER, 1, 0x07),
                  op(SPAWN, 0, script(op(SCHEDULE, 1), op(SEND, 0),
                                      op(RECEIVE | OTHER, 0))),
                  op(SPAWN | OTHER, 0, script(op(RECEIVE, 0),
                                              op(SCHEDULE_REMOVE, 0))),
                  op(RECEIVE, 0), op(SEND | OTHER, 0), op(RUN_RT | OTHER, 0x80),
                  op(DUMP, 17), op(RUNTIME, 0), op(RUN_RT, 3)],
    # a tasklet too deep for the small save limit dies of SL_ESTACK
    "estack": [2, op(CHANNEL, 0),
               op(NEW, 2, script(op(RECURSE, 40), op(RECEIVE, 0))),
               op(NEW, 2, script(op(RECURSE, 3), op(RECEIVE, 0))),
               op(RUN_RT, 0x80), op(SEND, 0), op(SETUP, 0), op(RUN_RT, 0x80)],
    # nested sl_run, schedule_remove, switch and insert from tasklets
    "nested": [0, op(CHANNEL, 3),
               op(NEW, 2, script(op(RUN_RT, 0x80), op(SCHEDULE_REMOVE, 1),
                                 op(RECEIVE, 3))),
               op(NEW, 2, script(op(SCHEDULE, 0), op(INSERT, 0),
                                 op(SWITCH, MAIN), op(SEND, 3))),
               op(RUN_RT, 2), op(RUN_RT, 0x80), op(INSERT, 0), op(RUN, 1),
               op(SCHEDULE, 0), op(BIND, 0x40), op(BIND, 0), op(DETACH, 1)],
    # buffered channels (capacity 2 and 3) and select, blocking or not
    "select": [0, op(CHANNEL, 0 | BUFFERED | (2 << 2)), op(CHANNEL, 1),
               op(CHANNEL, 2 | BUFFERED | (3 << 2)),
               op(SPAWN, 0, script(op(SELECT, 2 | 8, 1, 2),
                                   op(SELECT, 2 | 8, 1 | SEND_CASE, 0),
                                   op(SEND_SEQ, 2 | 0x30))),
               op(SPAWN, 0, script(op(SELECT, 1 | 8, 1 | SEND_CASE),
                                   op(RECEIVE, 0), op(RECEIVE, 2))),
               op(SEND, 0), op(SEND, 0), op(RUN_RT, 0x80),
               op(SELECT, 3, 0, 1, 2), op(SEND, 1), op(RECEIVE, 1),
               op(SELECT, 2 | 8, 2, 0 | SEND_CASE), op(RUN_RT, 0x80),
               op(RECEIVE, 2), op(RECEIVE, 2), op(CLOSE, 0 | 0x10),
               op(SELECT, 1 | 8, 0), op(CHANNEL, 0), op(RECEIVE, 0)],
    # timers: sleeps (0.05-0.15 ms) and a select timeout while others run
    "timers": [0, op(CHANNEL, 0), op(CHANNEL, 1 | BUFFERED | (1 << 2)),
               op(SPAWN, 0, script(op(SLEEP, 2), op(SEND, 0))),
               op(SPAWN, 0, script(op(SLEEP, 3), op(SELECT, 2 | 0x10 | 0x60,
                                                    1, 0))),
               op(SLEEP, 1), op(RECEIVE, 0), op(RUN_RT, 0x80),
               op(SELECT, 1 | 0x10 | 0x20, 0), op(SLEEP, 0x80)],
    # reductions of bugs the fuzzer found (tests/c/test_fuzz_regressions.c)
    "regress-sched-cb-mutation": [0, op(CALLBACK, 1, 0x41),
                                  op(NEW, 2, script(op(SCHEDULE, 0))),
                                  op(RUN_RT, 0x80)],
    "regress-seq-channel-free": [0, op(CHANNEL, 2),
                                 op(SPAWN, 0, script(op(SEND_SEQ, 2 | 0x30))),
                                 op(RECEIVE, 2), op(CHANNEL, 2),
                                 op(RECEIVE, 2), op(RECEIVE, 2)],
    "regress-chan-cb-schedule": [0, op(CHANNEL, 0), op(CALLBACK, 0, 0xc0),
                                 op(SPAWN, 0, script(op(SEND, 0))),
                                 op(SPAWN, 0, script(op(RETURN, 2))),
                                 op(RECEIVE, 0)],
    "regress-select-both-ways": [0, op(CHANNEL, 0),
                                 op(NEW, 2, script(op(SELECT, 2 | 8, 0,
                                                      0 | SEND_CASE))),
                                 op(RUN_RT, 0x80), op(SEND, 0),
                                 op(CHANNEL, 0)],
    "regress-select-state-leak": [0, op(CHANNEL, 0), op(CHANNEL, 1),
                                  op(NEW, 2, script(op(SELECT, 2 | 8, 0,
                                                       1 | SEND_CASE))),
                                  op(RUN_RT, 0x80), op(KILL, 0x10),
                                  op(FREE, 0)],
    # flags 2: runtime 0 has the small save limit; the tasklet dies of
    # SL_ESTACK in a deep select, twice
    "regress-select-estack": [2, op(CHANNEL, 0), op(CHANNEL, 1),
                              op(NEW, 2, script(op(RECURSE, 40),
                                                op(SELECT, 2 | 8, 0, 1))),
                              op(RUN_RT, 0x80), op(SETUP, 0),
                              op(RUN_RT, 0x80)],
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
os.makedirs(here, exist_ok=True)
for name, parts in SEEDS.items():
    data = bytes([parts[0]]) + b"".join(parts[1:])
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
