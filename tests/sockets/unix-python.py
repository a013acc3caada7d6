"""A real program on unix sockets, dumped and restored by tests/sockets/unix-python.sh.

A python3 process and a worker it forked (multiprocessing, fork start
method) talk over multiprocessing.Pipe(), which is a socketpair: a thread
of the parent sends numbers without pause and the worker answers each with
its double. Another thread of the parent serves a control socket bound to
a path (CTL): "status" answers "count N errors E", "quit" ends both
processes. A datagram socket bound to a path (LOG) collects lines the
worker sends it; "status" counts them too.

With --thread, the worker is a thread of the same process (one process,
as lmig precopy moves), on a socket.socketpair().

usage: unix-python.py WORKDIR [--thread]
       unix-python.py WORKDIR --ask [CMD]   send CMD (default status) to the
                                            control socket, print the answer
"""
import multiprocessing as mp
import multiprocessing.connection
import os
import socket
import sys
import threading


def worker(conn, log_path):
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n = 0
    while True:
        x = conn.recv()
        if x is None:
            return
        conn.send(x * 2)
        n += 1
        if n % 100 == 0:
            log.sendto(b"answered %d" % n, log_path)


def ask(work, cmd):
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(5)
    c.connect(os.path.join(work, "ctl.sock"))
    c.sendall(cmd.encode())
    print(c.recv(200).decode())


def main():
    work = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--ask":
        ask(work, sys.argv[3] if len(sys.argv) > 3 else "status")
        return
    ctl_path, log_path = work + "/ctl.sock", work + "/log.sock"
    logsk = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    logsk.bind(log_path)
    if "--thread" in sys.argv:
        a, b = socket.socketpair()
        parent, child = mp.connection.Connection(a.detach()), mp.connection.Connection(b.detach())
        w = threading.Thread(target=worker, args=(child, log_path))
    else:
        mp.set_start_method("fork")
        parent, child = mp.Pipe()
        w = mp.Process(target=worker, args=(child, log_path))
    w.start()
    state = {"count": 0, "errors": 0, "logs": 0, "stop": False}
    lock = threading.Lock()

    def pump():
        x = 0
        while not state["stop"]:
            x += 1
            parent.send(x)
            y = parent.recv()
            with lock:
                state["count"] += 1
                if y != 2 * x:
                    state["errors"] += 1

    def logs():
        logsk.settimeout(0.2)
        while not state["stop"]:
            try:
                if logsk.recv(100).startswith(b"answered "):
                    with lock:
                        state["logs"] += 1
            except socket.timeout:
                pass

    threads = [threading.Thread(target=pump), threading.Thread(target=logs)]
    for t in threads:
        t.start()
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ctl.bind(ctl_path)
    ctl.listen(4)
    with open(work + "/ready", "w") as f:
        f.write("READY\n")
    while True:
        c, _ = ctl.accept()
        req = c.recv(100)
        if req == b"status":
            with lock:
                c.sendall(b"count %d errors %d logs %d" %
                          (state["count"], state["errors"], state["logs"]))
        c.close()
        if req == b"quit":
            break
    state["stop"] = True
    for t in threads:
        t.join()
    parent.send(None)
    w.join()
    os.unlink(ctl_path)
    os.unlink(log_path)
    sys.exit(getattr(w, "exitcode", 0))


if __name__ == "__main__":
    main()
