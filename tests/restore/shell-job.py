#!/usr/bin/env python3
"""Shell jobs and standard streams through dump and restore, on real ptys.

shell-job.py LMIG WORK MODE, MODE one of:
  shell-job      a shell loop started as the foreground job of `sh -i` in
                 pty A: `lmig dump` without --shell-job refuses (exit 3,
                 one line naming pid, fd, the tty and --shell-job) and the
                 loop counts on; `lmig dump --shell-job` takes it; `lmig
                 restore --shell-job` typed into `sh -i` in pty B brings it
                 back counting on B (not A), on B's terminal, in B's
                 session and foreground; ^Z on B stops it (and lmig: B's
                 shell gets its terminal), fg continues it; ^C on B ends
                 it and B's shell gets its terminal back.
  own-tty        the loop leading the session of its own pty (a tree that
                 owns its terminal): refused even with --shell-job, runs on.
  inherit-stdio  the loop writing into a pipe to a logger; dumped, the
                 logger killed; `lmig restore --inherit-stdio >FILE`
                 makes it count on into FILE.
Exit 0 pass, 1 fail. Every wait is bounded; only processes started here
(and the dumped loop) are killed, by pid.
"""
import os
import pty
import re
import fcntl
import select
import signal
import struct
import subprocess
import sys
import termios
import time

# The job turns echo off and reports a window size change, as an editor would.
LOOP = ('stty -echo; trap "echo WINCH" WINCH; echo PID=$$; '
        'i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done')
PROMPT = "PROMPT> "


class Fail(Exception):
    pass


class Term:
    """`sh -i` on a new pty; we hold the master."""

    def __init__(self, name):
        self.name = name
        self.buf = ""
        env = dict(os.environ, PS1=PROMPT, TERM="dumb")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvpe("sh", ["sh", "-i"], env)
            finally:
                os._exit(127)
        self.expect(re.escape(PROMPT), 10, "the first prompt")

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if r:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            self.buf += data.decode(errors="replace").replace("\r", "")

    def expect(self, regex, secs, what):
        end = time.monotonic() + secs
        while True:
            m = re.search(regex, self.buf, re.M)
            if m:
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("%s: no %s within %d s; the terminal shows:\n%s"
                           % (self.name, what, secs, self.buf[-600:]))
            self.pump(min(left, 0.2))

    def send(self, text):
        os.write(self.fd, text.encode())

    def resize(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def echo(self):
        return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)

    def numbers(self):
        return [int(x) for x in re.findall(r"^(\d+)$", self.buf, re.M)]

    def wait_count(self, n, secs):
        self.expect(r"^%d$" % n, secs, "count to %d" % n)

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # [0] is field 3 (state)


def wait_gone(pid, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:    # an orphan of the tree may be ours to reap, when we are the subreaper
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        try:
            if stat_fields(pid)[0] == "Z":
                time.sleep(0.05)
                continue
        except (FileNotFoundError, ProcessLookupError):
            return  # ESRCH: it was reaped between the open and the read of its stat
        time.sleep(0.05)
    raise Fail("pid %d still exists %d s after it was killed" % (pid, secs))


def lmig(LMIG, *args, secs=60, **kw):
    return subprocess.run([LMIG] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=secs, **kw)


def wait_tree_gone(LMIG, img):
    """Every process of the dumped tree (the loop's sleep too) is reaped: its pid is free."""
    r = lmig(LMIG, "show", "-D", img)
    pids = [int(x) for x in re.findall(r"^\s*pid=(\d+) ppid=", r.stdout, re.M)]
    if r.returncode != 0 or not pids:
        raise Fail("lmig show -D %s: exit %d, no pids: %s" % (img, r.returncode, r.stderr))
    for pid in pids:
        wait_gone(pid, 10)


def shell_job(LMIG, work):
    a = b = None
    pid = 0
    try:
        a = Term("pty A")
        a.resize(33, 99)
        a.send("sh -c '%s'\n" % LOOP)
        pid = int(a.expect(r"^PID=(\d+)$", 10, "PID= line").group(1))
        a.wait_count(5, 10)
        tty_a = os.readlink("/proc/%d/fd/1" % pid)

        # Without --shell-job: refused, by name, and the loop runs on.
        r = lmig(LMIG, "dump", "-t", str(pid), "-D", work + "/refused")
        want = "pid %d: fd 0: %s: " % (pid, tty_a)
        if r.returncode != 3 or want not in r.stderr or "--shell-job" not in r.stderr:
            raise Fail("dump without --shell-job: exit %d, stderr:\n%s\nwanted exit 3 and a line "
                       "with '%s' and --shell-job" % (r.returncode, r.stderr, want))
        n = max(a.numbers())
        a.wait_count(n + 5, 10)
        print("refused without --shell-job: " + [l for l in r.stderr.splitlines() if want in l][0])

        # A live migration cannot take the terminal to another host: refused, and it runs on.
        port = 20000 + os.getpid() % 20000
        ps = subprocess.Popen([LMIG, "pageserver", "--port", str(port), "--address", "127.0.0.1",
                               "--log-file", work + "/ps.log"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            r = lmig(LMIG, "precopy", "--pid", str(pid), "--to", "127.0.0.1:%d" % port)
        finally:
            ps.kill()
            ps.wait()
        want = "pid %d: fd 0: %s: a terminal of session" % (pid, tty_a)
        if r.returncode == 0 or want not in r.stderr or "cannot move to another host" not in r.stderr:
            raise Fail("precopy of a shell job: exit %d, stderr:\n%s\nwanted a line with '%s' and "
                       "'cannot move to another host'" % (r.returncode, r.stderr, want))
        n = max(a.numbers())
        a.wait_count(n + 5, 10)
        print("precopy refused: " + [l for l in r.stderr.splitlines() if want in l][0])

        r = lmig(LMIG, "dump", "--shell-job", "-t", str(pid), "-D", work + "/img",
                 "--log-file", work + "/dump.log")
        if r.returncode != 0:
            raise Fail("dump --shell-job: exit %d: %s" % (r.returncode, r.stderr))
        wait_tree_gone(LMIG, work + "/img")
        a.expect(re.escape(PROMPT) + r"$", 10, "prompt after the job was killed")
        last = max(a.numbers())
        seen_a = len(a.numbers())

        # Refused before anything is created: without --shell-job, and with it but no terminal.
        for args, want in ((["-D", work + "/img"], "restore with --shell-job"),
                           (["--shell-job", "-D", work + "/img"], "no controlling terminal")):
            r = lmig(LMIG, "restore", *args, start_new_session=True)
            line = "pid %d: fd 0: %s: " % (pid, tty_a)
            if r.returncode == 0 or line not in r.stderr or want not in r.stderr:
                raise Fail("restore %s without a terminal: exit %d, stderr:\n%s\nwanted a line with "
                           "'%s' and '%s'" % (" ".join(args), r.returncode, r.stderr, line, want))
            if os.path.exists("/proc/%d" % pid):
                raise Fail("restore %s refused, yet pid %d exists" % (" ".join(args), pid))
            print("refused: " + [l for l in r.stderr.splitlines() if line in l][0])

        b = Term("pty B")
        b.resize(24, 80)
        if not b.echo():
            raise Fail("pty B starts with echo off")
        shell_b = b.pid
        b.send("%s restore --shell-job -D %s/img --log-file %s/restore.log\n" % (LMIG, work, work))
        b.wait_count(last + 5, 20)
        got = b.numbers()
        if got[0] != last + 1 or got != list(range(last + 1, last + 1 + len(got))):
            raise Fail("pty B counts %s..., after %d on pty A" % (got[:8], last))
        a.pump(0.3)
        if len(a.numbers()) != seen_a:
            raise Fail("pty A got numbers after the dump: %s" % a.numbers()[seen_a:])
        # On B's terminal, in B's session, in the foreground; the old tty is gone.
        tty_b = os.readlink("/proc/%d/fd/0" % shell_b)
        for fd in (0, 1, 2):
            link = os.readlink("/proc/%d/fd/%d" % (pid, fd))
            if link != tty_b:
                raise Fail("restored fd %d is %s, not pty B's %s" % (fd, link, tty_b))
        st, sb = stat_fields(pid), stat_fields(shell_b)
        # fields 5 (pgid), 6 (sid), 7 (tty_nr), 8 (tpgid) are [2], [3], [4], [5]
        if st[3] != sb[3] or st[4] != sb[4]:
            raise Fail("restored session/tty %s/%s, pty B's shell's %s/%s" % (st[3], st[4], sb[3], sb[4]))
        if st[5] != st[2]:
            raise Fail("the restored job (group %s) is not B's foreground group (%s)" % (st[2], st[5]))
        print("restored on %s (was %s): counts on from %d, session %s, foreground group %s"
              % (tty_b, tty_a, last, st[3], st[2]))
        # Its modes came with it (echo off), and it heard that its window is another size.
        if b.echo():
            raise Fail("pty B echoes while the restored job has it: the job's modes were not set")
        b.expect(r"^WINCH$", 10, "WINCH from the job (pty B is 24x80, pty A was 33x99)")
        print("the job's terminal modes came with it (echo off); it got SIGWINCH for B's size")

        # ^Z stops the job and lmig with it: B's shell has its terminal; fg brings both back.
        b.send("\x1a")
        b.expect(re.escape(PROMPT) + r"$", 10, "prompt after ^Z")
        stopped = max(b.numbers())
        st, sb = stat_fields(pid), stat_fields(shell_b)
        if st[0] != "T" or sb[5] != sb[2]:
            raise Fail("after ^Z the job is in state %s and B's foreground group is %s (its shell's "
                       "is %s)" % (st[0], sb[5], sb[2]))
        b.pump(0.5)
        if max(b.numbers()) != stopped:
            raise Fail("the job counted on after ^Z: %s" % b.numbers()[-3:])
        b.send("fg\n")
        b.wait_count(stopped + 5, 10)
        got = b.numbers()
        if got != list(range(last + 1, last + 1 + len(got))):
            raise Fail("pty B counts %s around the stop at %d" % (got, stopped))
        st = stat_fields(pid)
        if st[5] != st[2]:
            raise Fail("after fg the job (group %s) is not B's foreground group (%s)" % (st[2], st[5]))
        print("^Z stopped the job at %d and gave pty B's shell its terminal; fg: counts on" % stopped)

        # ^C reaches the job (it has the foreground); B's shell gets the terminal back.
        b.send("\x03")
        wait_gone(pid, 10)
        b.expect(re.escape(PROMPT) + r"$", 10, "prompt after ^C")
        sb = stat_fields(shell_b)
        if sb[5] != sb[2]:
            raise Fail("after the job ended, B's foreground group is %s, not its shell's %s" % (sb[5], sb[2]))
        if not b.echo():
            raise Fail("after the job ended, pty B still has the job's modes (echo off)")
        print("^C ended the restored job; pty B's shell has its terminal back")
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for t in (a, b):
            if t:
                t.close()


def own_tty(LMIG, work):
    """A tree that owns its terminal (the loop leads the pty's session): refused even with -j."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp("sh", ["sh", "-c", LOOP])
        finally:
            os._exit(127)
    t = Term.__new__(Term)
    t.name, t.buf, t.pid, t.fd = "the loop's own pty", "", pid, fd
    try:
        t.wait_count(3, 10)
        link = os.readlink("/proc/%d/fd/0" % pid)
        r = lmig(LMIG, "dump", "--shell-job", "-t", str(pid), "-D", work + "/own")
        want = "pid %d: fd 0: %s: the terminal of session %d, whose leader is in the dumped tree" % (
            pid, link, pid)
        if r.returncode != 3 or want not in r.stderr:
            raise Fail("dump -j of a session leader on its own pty: exit %d, stderr:\n%s\nwanted exit "
                       "3 and '%s'" % (r.returncode, r.stderr, want))
        t.wait_count(max(t.numbers()) + 3, 10)
        print("refused with --shell-job: " + [l for l in r.stderr.splitlines() if want in l][0])
    finally:
        t.close()


def inherit_stdio(LMIG, work):
    logger = loop = rst = None
    try:
        out = open(work + "/logger.out", "w")
        logger = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=out)
        loop = subprocess.Popen(["sh", "-c", LOOP], stdin=subprocess.DEVNULL,
                                stdout=logger.stdin, stderr=subprocess.STDOUT)
        logger.stdin.close()    # the loop holds the pipe's only write end
        pid = loop.pid
        end = time.monotonic() + 10
        while not re.search(r"^5$", open(work + "/logger.out").read(), re.M):
            if time.monotonic() > end:
                raise Fail("the loop did not count to 5 into the logger within 10 s")
            time.sleep(0.05)
        r = lmig(LMIG, "dump", "-t", str(pid), "-D", work + "/img", "--log-file", work + "/dump.log")
        if r.returncode != 0:
            raise Fail("dump: exit %d: %s" % (r.returncode, r.stderr))
        loop.wait(10)
        wait_tree_gone(LMIG, work + "/img")
        logger.kill()
        logger.wait(10)
        last = int(open(work + "/logger.out").read().split()[-1])

        dest = work + "/restored.out"
        with open(dest, "w") as f:
            rst = subprocess.Popen([LMIG, "restore", "-D", work + "/img", "--inherit-stdio",
                                    "--log-file", work + "/restore.log"],
                                   stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        end = time.monotonic() + 20
        while True:
            got = [int(x) for x in re.findall(r"^(\d+)$", open(dest).read(), re.M)]
            if got and got[-1] >= last + 5:
                break
            if time.monotonic() > end or rst.poll() is not None:
                raise Fail("restored loop did not count to %d into %s (got %s, lmig %s)"
                           % (last + 5, dest, got[:8], rst.poll()))
            time.sleep(0.05)
        if got != list(range(last + 1, last + 1 + len(got))):
            raise Fail("%s counts %s..., after %d in the logger" % (dest, got[:8], last))
        link = os.readlink("/proc/%d/fd/1" % pid)
        if link != os.path.realpath(dest):
            raise Fail("restored fd 1 is %s, not %s" % (link, dest))
        print("pipe to a dead logger -> %s: counts on from %d" % (dest, last))
        os.kill(pid, signal.SIGKILL)
        code = rst.wait(10)
        if code != 128 + signal.SIGKILL:
            raise Fail("lmig restore exited %d, not the job's 137" % code)
    finally:
        for p in (loop, logger, rst):
            if p and p.poll() is None:
                p.kill()
                p.wait(10)


def main():
    LMIG, work, mode = sys.argv[1:4]
    try:
        {"shell-job": shell_job, "own-tty": own_tty, "inherit-stdio": inherit_stdio}[mode](LMIG, work)
    except (Fail, subprocess.TimeoutExpired, OSError, ValueError) as e:
        print("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
