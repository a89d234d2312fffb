#!/usr/bin/env python3
"""membench: tor relay memory under load, per allocator, on a private loopback network.

    bench/membench.py [options] ALLOC[,ALLOC...]     ALLOC: glibc, jemalloc, mimalloc

For each allocator: generate a fresh private Tor network in a scratch directory on
tmpfs (3 authorities that are also guard/middle relays, 1 exit = the relay under
test, 1 client), start it, wait until the client can fetch through the exit, run a
bounded load (short streams through the exit to a local HTTP server, circuits
built with fresh SOCKS isolation and torn down over the control port, directory
fetches from the exit's DirPort), sample the exit's RSS and the system's memory
every second, stop every process, remove the scratch directory.  Writes one CSV of
samples per allocator and a summary (summary.tsv, summary.txt) into --out.

Every tor is the image's own: the tor, tor-gencert, libraries and allocators of the
staged image (--stage, default build/image/stage: the locked Debian packages plus
the libraries lethe builds, such as mimalloc 2.0.9), run by the image's dynamic
loader, whatever the build host has installed.

Everything listens on 127.0.0.1.  No default authorities: every torrc has
TestingTorNetwork 1 and our own DirAuthority lines, with keys made by tor-gencert
at run time in the scratch directory (never kept).

Exit codes: 0 ok, 1 a run failed (bootstrap, allocator not loaded, no traffic),
100 usage, 111 system error (missing tor, ports taken, ...).
"""

import argparse
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

PROG = "membench"
EXIT_REFUSED, EXIT_USAGE, EXIT_SYS = 1, 100, 111
LOOP = "127.0.0.1"
LIBDIR = "usr/lib/x86_64-linux-gnu"  # inside the stage
STAGE = "build/image/stage"  # --stage

# The allocators lethe ships, with the tuning initd passes (see docs/performance.md).
# "preload" is a file name in the stage's LIBDIR.
ALLOCATORS = {
    "glibc": {"preload": None, "env": {}},
    "jemalloc": {
        "preload": "libjemalloc.so.2",
        "env": {"MALLOC_CONF": "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:5000"},
    },
    "jemalloc-default": {"preload": "libjemalloc.so.2", "env": {}},
    "mimalloc": {"preload": "libmimalloc.so.2", "env": {}},
    "glibc-arena2": {"preload": None, "env": {"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}},
    # A fixed mmap threshold turns off glibc's dynamic one, so large buffers stay mmap'd.
    "glibc-mmap128k": {"preload": None, "env": {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=131072"}},
}

N_AUTH = 3
# Object sizes served by the local HTTP server, and how often each is asked for:
# mostly short streams, some bulk, as on an exit.
OBJECTS = [("4k", 4096, 60), ("64k", 65536, 30), ("1m", 1 << 20, 10)]


def stage_argv(prog, preload=None):
    """PROG (tor, tor-gencert) of the staged image, run by the image's own loader
    with the image's libraries; PRELOAD (a file of LIBDIR) preloaded as initd does."""
    lib = os.path.join(STAGE, LIBDIR)
    argv = [os.path.join(STAGE, "usr/lib64/ld-linux-x86-64.so.2"), "--argv0", prog, "--library-path", lib]
    if preload:
        argv += ["--preload", os.path.join(lib, preload)]
    return argv + [os.path.join(STAGE, "usr/bin", prog)]


def die(code, msg):
    print(f"{PROG}: fatal: {msg}", file=sys.stderr)
    sys.exit(code)


def warn(msg):
    print(f"{PROG}: warning: {msg}", file=sys.stderr)


def log(msg):
    print(f"{PROG}: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


class RunFailed(Exception):
    pass


# ---------------------------------------------------------------- network generation

def port_free(port):
    s = socket.socket()
    # As tor does: TIME_WAIT leftovers of a previous run do not block a listener.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((LOOP, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def ports_check(base, count):
    taken = [p for p in range(base, base + count) if not port_free(p)]
    if taken:
        die(EXIT_SYS, f"unable to bind ports on {LOOP}: {taken[:5]} in use (choose --port-base)")


COMMON = """TestingTorNetwork 1
DataDirectory {dd}
PidFile {dd}/pid
Log notice file {dd}/notice.log
SafeLogging 0
ContactInfo lethe-bench
Nickname {nick}
Address 127.0.0.1
ControlPort 127.0.0.1:{ctl}
CookieAuthentication 1
ShutdownWaitLength 0
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
ClientUseIPv6 0
"""

AUTH = """AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ORPort 127.0.0.1:{orp}
DirPort 127.0.0.1:{dirp}
SocksPort 0
AssumeReachable 1
ExitPolicy reject *:*
V3AuthVotingInterval 20
V3AuthVoteDelay 4
V3AuthDistDelay 4
TestingV3AuthInitialVotingInterval 20
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
Sandbox 0
"""

# The relay under test: the lethe-owned options initd gives every instance
# (tmpfs DataDirectory, Sandbox 1, AvoidDiskWrites 1, explicit MaxMemInQueues,
# SocksPort 0, foreground), plus an exit policy that reaches our HTTP server.
# Microdescriptor policy summaries ignore private addresses, so an exit that
# only accepts 127/8 is "no exit" to clients: the HTTP port is accepted for any
# address too.  The load only ever asks for 127.0.0.1.
EXIT = """ORPort 127.0.0.1:{orp}
DirPort 127.0.0.1:{dirp}
SocksPort 0
AssumeReachable 1
Sandbox {sandbox}
AvoidDiskWrites 1
MaxMemInQueues {mmq} MB
ExitRelay 1
ExitPolicy accept 127.0.0.0/8:*
ExitPolicy accept *:{http_port}
ExitPolicy reject *:*
ServerDNSResolvConfFile {dd}/resolv.conf
ServerDNSDetectHijacking 0
ServerDNSAllowBrokenConfig 1
"""

CLIENT = """SocksPort 127.0.0.1:{socks} IsolateSOCKSAuth
MaxCircuitDirtiness 10
NewCircuitPeriod 10
Sandbox 0
"""


def run_quiet(argv, stdin=None):
    try:
        r = subprocess.run(argv, input=stdin, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RunFailed(f"unable to run {argv[0]}: {e}")
    if r.returncode != 0:
        raise RunFailed(f"unable to run {' '.join(argv[:3])}: {r.stderr.decode(errors='replace').strip()[:300]}")
    return r.stdout.decode()


def net_generate(root, base, mmq, sandbox):
    """Write every node's torrc and keys under root; return the node list."""
    nodes = []
    dirauth = []
    for i in range(N_AUTH + 2):
        kind = "auth" if i < N_AUTH else ("exit" if i == N_AUTH else "client")
        nick = f"{kind}{i}"
        dd = os.path.join(root, nick)
        os.makedirs(dd, mode=0o700)
        p = base + 10 * i
        nodes.append({"nick": nick, "kind": kind, "dd": dd, "orp": p, "dirp": p + 1,
                      "ctl": p + 2, "socks": p + 3})
    for n in nodes[:N_AUTH]:
        kd = os.path.join(n["dd"], "keys")
        os.makedirs(kd, mode=0o700)
        run_quiet(stage_argv("tor-gencert") + ["--create-identity-key", "--passphrase-fd", "0", "-m", "12",
                   "-i", kd + "/authority_identity_key", "-s", kd + "/authority_signing_key",
                   "-c", kd + "/authority_certificate", "-a", f"{LOOP}:{n['dirp']}"], stdin=b"\n")
        v3 = None
        with open(kd + "/authority_certificate") as f:
            for line in f:
                if line.startswith("fingerprint "):
                    v3 = line.split()[1]
        run_quiet(stage_argv("tor") + ["--quiet", "--ignore-missing-torrc", "-f", "/dev/null",
                   "--defaults-torrc", "/dev/null", "--list-fingerprint", "--orport", "1",
                   "--nickname", n["nick"], "--datadirectory", n["dd"]])
        with open(n["dd"] + "/fingerprint") as f:
            fp = f.read().split()[1]
        if not v3 or len(fp) != 40:
            raise RunFailed(f"unable to read authority keys in {kd}")
        dirauth.append(f"DirAuthority {n['nick']} orport={n['orp']} no-v2 v3ident={v3} "
                       f"{LOOP}:{n['dirp']} {fp}\n")
    for n in nodes:
        body = COMMON + {"auth": AUTH, "exit": EXIT, "client": CLIENT}[n["kind"]]
        text = body.format(mmq=mmq, sandbox=1 if sandbox else 0, http_port=base + 90, **n)
        text += "".join(dirauth)
        n["torrc"] = os.path.join(n["dd"], "torrc")
        with open(n["torrc"], "w") as f:
            f.write(text)
        # A real (empty) defaults file: /dev/null trips the sandbox on reload.
        n["defaults"] = os.path.join(n["dd"], "torrc-defaults")
        open(n["defaults"], "w").close()
    # Resolver on loopback where nothing listens: the exit never asks the outside.
    with open(os.path.join(nodes[N_AUTH]["dd"], "resolv.conf"), "w") as f:
        f.write(f"nameserver {LOOP}\n")
    return nodes


# ---------------------------------------------------------------- processes

def nofile_raise():
    # As initd does: a high hard RLIMIT_NOFILE (tor raises soft to hard itself);
    # here bounded by what this host lets us have.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))


class Procs:
    """Every child this run started, each in its own session, so stopping one
    stops whatever it forked (by its process-group id, nothing else)."""

    def __init__(self):
        self.list = []

    def start(self, argv, env=None, log_path=None, cwd=None, preexec=None):
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL
        try:
            p = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, cwd=cwd,
                                 preexec_fn=preexec)
        finally:
            if log_path:
                out.close()
        self.list.append(p)
        return p

    def stop_all(self):
        # SIGINT first: with Sandbox 1 tor's main thread may have SIGTERM
        # blocked (reference/tor.md 5.1); a relay takes a second SIGINT as
        # "exit now"; SIGKILL for whatever is left.
        for sig in (signal.SIGINT, signal.SIGINT):
            for p in self.list:
                if p.poll() is None:
                    try:
                        os.killpg(p.pid, sig)
                    except ProcessLookupError:
                        pass
            time.sleep(0.5)
        deadline = time.monotonic() + 5
        for p in self.list:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.list:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self.list = []


# ---------------------------------------------------------------- control port and SOCKS

class Control:
    def __init__(self, node, timeout=10):
        self.s = socket.create_connection((LOOP, node["ctl"]), timeout=timeout)
        self.f = self.s.makefile("rb")
        with open(os.path.join(node["dd"], "control_auth_cookie"), "rb") as f:
            cookie = f.read()
        self.cmd("AUTHENTICATE " + cookie.hex())

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\r\n")
        lines = []
        while True:
            raw = self.f.readline()
            if not raw:
                raise RunFailed("control connection closed")
            r = raw.decode(errors="replace").rstrip("\r\n")
            if len(r) >= 4 and r[3] == "+":
                # Data reply: read until the lone dot.
                lines.append(r[4:])
                while True:
                    d = self.f.readline().decode(errors="replace").rstrip("\r\n")
                    if d == ".":
                        break
                    lines.append(d)
                continue
            lines.append(r[4:])
            if len(r) >= 4 and r[3] == " ":
                if not r.startswith("250"):
                    raise RunFailed(f"control: {line.split()[0]}: {r}")
                return lines

    def getinfo(self, key):
        for l in self.cmd("GETINFO " + key):
            if l.startswith(key + "="):
                return l[len(key) + 1:]
        return ""

    def close(self):
        try:
            self.s.sendall(b"QUIT\r\n")
        except OSError:
            pass
        self.s.close()


def wait_control(node, deadline):
    while time.monotonic() < deadline:
        try:
            return Control(node)
        except (OSError, RunFailed):
            time.sleep(0.5)
    raise RunFailed(f"{node['nick']}: control port did not come up")


def socks_get(socks_port, user, host, port, path, timeout):
    """HTTP/1.0 GET through SOCKS5 with username/password (stream isolation).
    Returns the number of body+header bytes received."""
    s = socket.create_connection((LOOP, socks_port), timeout=timeout)
    try:
        socks_connect(s, user, host, port)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        n = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return n
            n += len(chunk)
    finally:
        s.close()


def socks_connect(s, user, host, port):
    """SOCKS5 CONNECT with username/password: tor isolates streams by it."""
    s.sendall(b"\x05\x01\x02")
    if s.recv(2) != b"\x05\x02":
        raise OSError("socks: no user/pass method")
    u = user.encode()
    s.sendall(b"\x01" + bytes([len(u)]) + u + b"\x01x")
    if s.recv(2) != b"\x01\x00":
        raise OSError("socks: auth refused")
    h = host.encode()
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(h)]) + h + struct.pack(">H", port))
    rep = b""
    while len(rep) < 10:
        chunk = s.recv(10 - len(rep))
        if not chunk:
            raise OSError("socks: closed")
        rep += chunk
    if rep[1] != 0:
        raise OSError(f"socks: reply {rep[1]}")


def http_get(port, path, timeout):
    s = socket.create_connection((LOOP, port), timeout=timeout)
    try:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {LOOP}\r\n\r\n".encode())
        n = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return n
            n += len(chunk)
    finally:
        s.close()


# ---------------------------------------------------------------- sampling

def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "Seccomp"):
                out[k] = int(v.split()[0])
    return out


def sys_used_kb():
    m = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            m[k] = int(v.split()[0])
    return m["MemTotal"] - m["MemAvailable"]


class Sampler(threading.Thread):
    def __init__(self, pid, ctl, csv_path):
        super().__init__(daemon=True)
        self.pid, self.ctl = pid, ctl
        self.phase = "boot"
        self.stop = threading.Event()
        self.rows = []
        self.csv = open(csv_path, "w")
        self.csv.write("t_s,phase,rss_kb,rss_anon_kb,hwm_kb,sys_used_kb,read_bytes,written_bytes\n")
        self.t0 = time.monotonic()

    def sample(self):
        st = proc_status(self.pid)
        try:
            rd = int(self.ctl.getinfo("traffic/read"))
            wr = int(self.ctl.getinfo("traffic/written"))
        except (OSError, RunFailed, ValueError):
            rd = wr = -1
        row = (round(time.monotonic() - self.t0, 2), self.phase, st.get("VmRSS", 0),
               st.get("RssAnon", 0), st.get("VmHWM", 0), sys_used_kb(), rd, wr)
        self.rows.append(row)
        self.csv.write(",".join(str(x) for x in row) + "\n")
        self.csv.flush()

    def run(self):
        while not self.stop.is_set():
            try:
                self.sample()
            except (OSError, ValueError):
                return
            self.stop.wait(1.0)

    def finish(self):
        self.stop.set()
        self.join(5)
        self.csv.close()


# ---------------------------------------------------------------- load

class Load:
    """Bounded load: stops at the deadline or after max_streams, whichever first."""

    def __init__(self, client, exitnode, http_port, seconds, workers, max_streams):
        self.client, self.exit, self.http_port = client, exitnode, http_port
        self.deadline = time.monotonic() + seconds
        self.workers, self.max_streams = workers, max_streams
        self.lock = threading.Lock()
        self.streams = self.failed = self.bytes = 0
        self.dir_fetches = self.dir_bytes = self.dir_failed = 0
        self.circ_closed = 0
        self.weights = [o[2] for o in OBJECTS]

    def more(self):
        with self.lock:
            return time.monotonic() < self.deadline and self.streams + self.failed < self.max_streams

    def worker(self, wid):
        rng = random.Random(wid)
        tag = 0
        k = 0
        while self.more():
            # A fresh SOCKS username every 3 streams: a new circuit each time.
            if k % 3 == 0:
                tag += 1
            k += 1
            name = rng.choices(OBJECTS, weights=self.weights)[0][0]
            try:
                n = socks_get(self.client["socks"], f"w{wid}-{tag}", LOOP, self.http_port,
                              f"/{name}", timeout=20)
                with self.lock:
                    self.streams += 1
                    self.bytes += n
            except OSError:
                with self.lock:
                    self.failed += 1
                time.sleep(0.2)

    def slow_reader(self, wid):
        # Long streams read slowly: the exit holds many circuits and stream
        # buffers at once, as with real users on slow links.
        tag = 0
        while self.more():
            tag += 1
            try:
                s = socket.create_connection((LOOP, self.client["socks"]), timeout=20)
            except OSError:
                with self.lock:
                    self.failed += 1
                time.sleep(0.2)
                continue
            try:
                socks_connect(s, f"s{wid}-{tag}", LOOP, self.http_port)
                s.sendall(f"GET /1m HTTP/1.0\r\nHost: {LOOP}\r\n\r\n".encode())
                n = 0
                while self.more():
                    chunk = s.recv(16384)
                    if not chunk:
                        break
                    n += len(chunk)
                    time.sleep(0.1)
                with self.lock:
                    self.streams += 1
                    self.bytes += n
            except OSError:
                with self.lock:
                    self.failed += 1
                time.sleep(0.2)
            finally:
                s.close()

    def dir_fetcher(self):
        # What clients and relays ask a directory cache for, plain and compressed.
        paths = ["/tor/status-vote/current/consensus-microdesc",
                 "/tor/status-vote/current/consensus-microdesc.z",
                 "/tor/status-vote/current/consensus", "/tor/status-vote/current/consensus.z",
                 "/tor/server/all", "/tor/server/all.z", "/tor/keys/all", "/tor/micro/d/all"]
        i = 0
        while self.more():
            try:
                n = http_get(self.exit["dirp"], paths[i % len(paths)], timeout=10)
                with self.lock:
                    self.dir_fetches += 1
                    self.dir_bytes += n
            except OSError:
                with self.lock:
                    self.dir_failed += 1
            i += 1
            time.sleep(0.05)

    def circ_closer(self):
        # Tear circuits down while streams come and go, as users leaving do.
        try:
            ctl = Control(self.client)
        except (OSError, RunFailed):
            return
        try:
            while self.more():
                time.sleep(2)
                ids = [l.split()[0] for l in ctl.cmd("GETINFO circuit-status")
                       if len(l.split()) > 1 and l.split()[1] == "BUILT"]
                for cid in set(ids):
                    try:
                        ctl.cmd(f"CLOSECIRCUIT {cid} IfUnused")
                        with self.lock:
                            self.circ_closed += 1
                    except RunFailed:
                        pass
        except (OSError, RunFailed):
            pass
        finally:
            ctl.close()

    def run(self):
        ts = [threading.Thread(target=self.worker, args=(w,), daemon=True) for w in range(self.workers)]
        ts += [threading.Thread(target=self.slow_reader, args=(w,), daemon=True)
               for w in range(self.workers)]
        ts.append(threading.Thread(target=self.dir_fetcher, daemon=True))
        ts.append(threading.Thread(target=self.circ_closer, daemon=True))
        for t in ts:
            t.start()
        for t in ts:
            t.join(max(1, self.deadline - time.monotonic() + 30))


# ---------------------------------------------------------------- one run

def http_server_start(procs, root, port):
    www = os.path.join(root, "www")
    os.makedirs(www)
    rng = random.Random(1)
    for name, size, _ in OBJECTS:
        with open(os.path.join(www, name), "wb") as f:
            f.write(rng.randbytes(size))
    return procs.start([sys.executable, "-m", "http.server", "--bind", LOOP, "--directory", www,
                        str(port)], log_path=os.path.join(root, "http.log"))


def allocator_check(pid, alloc):
    pre = ALLOCATORS[alloc]["preload"]
    with open(f"/proc/{pid}/maps") as f:
        maps = f.read()
    if pre and os.path.basename(pre) not in maps:
        raise RunFailed(f"{alloc}: {pre} is not mapped in tor (the preload failed)")
    for other in ("libjemalloc", "libmimalloc"):
        if other in maps and (not pre or other not in pre):
            raise RunFailed(f"{alloc}: unexpected {other} mapped in tor")


def wait_ready(client, exitnode, http_port, deadline):
    """Client bootstrapped and one fetch through the exit works."""
    ctl = wait_control(client, deadline)
    try:
        while time.monotonic() < deadline:
            if "PROGRESS=100" in ctl.getinfo("status/bootstrap-phase"):
                break
            time.sleep(1)
        else:
            raise RunFailed("client did not bootstrap in time")
    finally:
        ctl.close()
    while time.monotonic() < deadline:
        try:
            if socks_get(client["socks"], "probe", LOOP, http_port, "/4k", timeout=10) > 4096:
                return
        except OSError:
            pass
        time.sleep(1)
    raise RunFailed("no stream through the exit in time")


def run_one(alloc, args, outdir):
    root = tempfile.mkdtemp(prefix="lethe-membench.", dir=args.scratch)
    procs = Procs()
    sampler = None
    try:
        nodes = net_generate(root, args.port_base, args.maxmem, args.sandbox)
        auths, exitnode, client = nodes[:N_AUTH], nodes[N_AUTH], nodes[N_AUTH + 1]
        http_port = args.port_base + 90
        http_server_start(procs, root, http_port)
        base_env = {"PATH": "/usr/bin:/bin", "HOME": root, "LC_ALL": "C"}
        t_start = time.monotonic()
        for n in auths + [client]:
            procs.start(stage_argv("tor") + ["-f", n["torrc"], "--defaults-torrc", n["defaults"], "--RunAsDaemon", "0"],
                        env=base_env, log_path=os.path.join(n["dd"], "stdout.log"))
        env = dict(base_env)
        env.update(ALLOCATORS[alloc]["env"])
        p_exit = procs.start(stage_argv("tor", ALLOCATORS[alloc]["preload"]) + ["-f", exitnode["torrc"], "--defaults-torrc", exitnode["defaults"],
                              "--RunAsDaemon", "0"],
                             env=env, log_path=os.path.join(exitnode["dd"], "stdout.log"),
                             preexec=nofile_raise)
        deadline = t_start + args.boot_timeout
        ctl = wait_control(exitnode, deadline)
        allocator_check(p_exit.pid, alloc)
        time.sleep(1)
        seccomp = proc_status(p_exit.pid).get("Seccomp", 0) == 2
        if args.sandbox and not seccomp:
            raise RunFailed(f"{alloc}: Sandbox 1 asked but tor runs without a seccomp filter")
        sampler = Sampler(p_exit.pid, ctl, os.path.join(outdir, f"samples-{alloc}.csv"))
        sampler.start()
        wait_ready(client, exitnode, http_port, deadline)
        boot_s = time.monotonic() - t_start
        log(f"{alloc}: network ready after {boot_s:.0f} s; load for {args.load_seconds} s")
        sampler.phase = "load"
        load = Load(client, exitnode, http_port, args.load_seconds, args.workers, args.max_streams)
        t0 = time.monotonic()
        load.run()
        load_s = time.monotonic() - t0
        sampler.phase = "cool"
        time.sleep(args.cool_seconds)
        sampler.finish()
        if p_exit.poll() is not None:
            raise RunFailed(f"{alloc}: relay under test exited with status {p_exit.returncode}")
        with open(os.path.join(exitnode["dd"], "notice.log"), errors="replace") as f:
            sandbox_bug = sum(1 for l in f if "[err]" in l or "Bug:" in l)
        ctl.close()
        res = summarize(alloc, sampler.rows, load, load_s, boot_s, sandbox_bug)
        res["sandbox"] = int(seccomp)
        log(f"{alloc}: peak {res['rss_peak_mb']} MiB, steady {res['rss_steady_mb']} MiB, "
            f"after {res['rss_after_mb']} MiB, {res['relayed_mb_s']} MB/s relayed")
        return res
    finally:
        if sampler and sampler.is_alive():
            sampler.finish()
        procs.stop_all()
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def summarize(alloc, rows, load, load_s, boot_s, bugs):
    lrows = [r for r in rows if r[1] == "load"]
    crows = [r for r in rows if r[1] == "cool"]
    if len(lrows) < 3 or load.streams == 0:
        raise RunFailed(f"{alloc}: no load measured ({load.streams} streams, {load.failed} failed)")
    tail = lrows[len(lrows) * 2 // 3:]
    relayed = (lrows[-1][7] - lrows[0][7]) if lrows[0][7] >= 0 and lrows[-1][7] >= 0 else -1
    dt = lrows[-1][0] - lrows[0][0]
    return {
        "alloc": alloc,
        "boot_s": round(boot_s),
        "load_s": round(load_s, 1),
        "rss_boot_mb": round(lrows[0][2] / 1024, 1),
        # The kernel's high-water mark: 1 s sampling misses short spikes.
        "rss_peak_mb": round(max(max(r[2] for r in rows), rows[-1][4]) / 1024, 1),
        "rss_steady_mb": round(statistics.median(r[2] for r in tail) / 1024, 1),
        "rss_after_mb": round((crows[-1][2] if crows else lrows[-1][2]) / 1024, 1),
        "sys_peak_mb": round(max(r[5] for r in rows) / 1024),
        "relayed_mb_s": round(relayed / dt / 1e6, 2) if relayed >= 0 and dt > 0 else -1,
        "streams": load.streams,
        "failed": load.failed,
        "client_mb": round(load.bytes / 1e6, 1),
        "dir_fetches": load.dir_fetches,
        "dir_mb": round(load.dir_bytes / 1e6, 1),
        "circ_closed": load.circ_closed,
        "tor_bugs": bugs,
    }


# ---------------------------------------------------------------- report

COLS = ["alloc", "rss_boot_mb", "rss_peak_mb", "rss_steady_mb", "rss_after_mb", "steady_vs_glibc",
        "peak_vs_glibc", "relayed_mb_s", "mbs_vs_glibc", "streams", "failed", "dir_fetches",
        "circ_closed", "sys_peak_mb", "boot_s", "load_s", "sandbox", "tor_bugs"]


def report(results, outdir):
    ref = next((r for r in results if r["alloc"] == "glibc"), None)
    for r in results:
        for key, col in (("rss_steady_mb", "steady_vs_glibc"), ("rss_peak_mb", "peak_vs_glibc"),
                         ("relayed_mb_s", "mbs_vs_glibc")):
            r[col] = round(r[key] / ref[key], 2) if ref and ref[key] > 0 and r[key] >= 0 else "-"
    with open(os.path.join(outdir, "summary.tsv"), "w") as f:
        f.write("\t".join(COLS) + "\n")
        for r in results:
            f.write("\t".join(str(r[c]) for c in COLS) + "\n")
    widths = [max(len(c), *(len(str(r[c])) for r in results)) for c in COLS]
    lines = ["  ".join(c.rjust(w) for c, w in zip(COLS, widths))]
    for r in results:
        lines.append("  ".join(str(r[c]).rjust(w) for c, w in zip(COLS, widths)))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "summary.txt"), "w") as f:
        f.write(text)
    print(text, end="")


def plot(results, outdir):
    if not shutil.which("gnuplot"):
        warn("gnuplot not found: no plot")
        return
    series = ", ".join(
        f"'{outdir}/samples-{r['alloc']}.csv' using 1:($3/1024) with lines lw 2 title '{r['alloc']}'"
        for r in results)
    script = (f"set terminal pngcairo size 1000,600\nset output '{outdir}/rss.png'\n"
              "set datafile separator ','\nset key autotitle columnhead left top\n"
              "set xlabel 'seconds since relay start'\nset ylabel 'relay RSS (MiB)'\n"
              "set title 'tor exit RSS under load (private loopback network)'\n"
              f"plot {series}\n")
    r = subprocess.run(["gnuplot"], input=script.encode(), capture_output=True)
    if r.returncode != 0:
        warn(f"gnuplot failed: {r.stderr.decode(errors='replace').strip()[:200]}")


class Args(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        die(EXIT_USAGE, message)


def main():
    ap = Args(prog=PROG, description="tor relay memory per allocator (loopback only)")
    ap.add_argument("allocs", help="comma-separated: " + ", ".join(ALLOCATORS))
    ap.add_argument("--out", required=True, help="directory for samples-*.csv, summary.tsv/txt, rss.png")
    ap.add_argument("--load-seconds", type=int, default=120)
    ap.add_argument("--cool-seconds", type=int, default=30)
    ap.add_argument("--boot-timeout", type=int, default=150)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--max-streams", type=int, default=200000)
    ap.add_argument("--maxmem", type=int, default=512, help="MaxMemInQueues of the relay, MB")
    ap.add_argument("--port-base", type=int, default=25100)
    ap.add_argument("--no-sandbox", dest="sandbox", action="store_false")
    ap.add_argument("--scratch", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("--keep", action="store_true", help="keep the scratch network (debugging)")
    ap.add_argument("--plot", action="store_true")
    ap.add_argument("--stage", default=STAGE, help="the staged image (make: build/image/stage)")
    args = ap.parse_args()
    globals()["STAGE"] = os.path.abspath(args.stage)
    allocs = args.allocs.split(",")
    bad = [a for a in allocs if a not in ALLOCATORS]
    if bad or not (1 <= args.load_seconds <= 3600 and 0 <= args.cool_seconds <= 600
                   and 10 <= args.boot_timeout <= 900 and 1 <= args.workers <= 64
                   and 1 <= args.max_streams <= 10**7 and 256 <= args.maxmem <= 65536
                   and 1024 <= args.port_base <= 65000):
        die(EXIT_USAGE, f"bad arguments{': unknown allocator ' + ','.join(bad) if bad else ''}")
    for tool in ("tor", "tor-gencert"):
        if not os.access(stage_argv(tool)[-1], os.X_OK):
            die(EXIT_SYS, f"unable to find {tool} in {STAGE}: run make")
    for a in allocs:
        pre = ALLOCATORS[a]["preload"]
        if pre and not os.path.exists(os.path.join(STAGE, LIBDIR, pre)):
            die(EXIT_SYS, f"unable to find {pre} in {STAGE}: run make")
    os.makedirs(args.out, exist_ok=True)
    ports_check(args.port_base, 10 * (N_AUTH + 2) + 91)

    # Stop cleanly on SIGTERM/SIGINT: the finally blocks end every child.  Only
    # the first signal counts: timeout(1) signals both us and its process group,
    # and a second KeyboardInterrupt inside the cleanup would leave tors behind.
    def on_signal(_signum, _frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    results = []
    try:
        for a in allocs:
            results.append(run_one(a, args, args.out))
    except RunFailed as e:
        die(EXIT_REFUSED, str(e))
    except KeyboardInterrupt:
        die(EXIT_SYS, "interrupted")
    except OSError as e:
        die(EXIT_SYS, f"unable to run the bench: {e}")
    report(results, args.out)
    if args.plot:
        plot(results, args.out)


if __name__ == "__main__":
    main()
