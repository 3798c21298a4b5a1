"""Loopy's sandbox runner: makes a learner's code behave as if started with `python3 main.py` in /tmp.

It starts before the code is known (so a pooled sandbox answers in milliseconds), says it is ready,
then reads one JSON request from REQUEST_FD until end of file:

    {"code": "<main.py source>", "stdin": "<text for fd 0>", "limits": {"cpuSeconds": 5, "fileSizeBytes": 8388608, "openFiles": 256},
     "timeline": true}

Unknown keys are ignored, so later features (a task timeline hooking the loop's task factory) can add
their own per-run options and set-up step next to `apply_limits` without changing the protocol.

Everything the runner reports goes to FRAMES_FD as frames: one kind byte, a 4-byte big-endian length,
then the payload. Kinds: R (ready; JSON {"python": "3.11.2"}), o (stdout bytes), e (stderr bytes), T (asked for with "timeline":
a piece of the task recording's JSON, sent at exit; the T payloads in order make the whole), P (with
"timeline", while the program runs: a piece of the recording so far, for a run stopped before its exit;
an empty P ends each such snapshot).
sys.stdout and sys.stderr write frames, so the parent keeps their exact order; raw writes to fd 1 and
fd 2 (child processes, os.write) still reach the parent through its own pipes. The parent trusts no
frame: learners' code can write to FRAMES_FD too, and only ever fools the report of its own run.
"""

import asyncio  # noqa: F401  Imported before the code arrives: most learners' programs need it.
import builtins
import importlib.machinery
import importlib.util
import io
import json
import os
import resource
import struct
import sys
import types

REQUEST_FD = 3
FRAMES_FD = 4
MAIN_PATH = "/tmp/main.py"
SIGPENDING_LIMIT = 256
MSGQUEUE_BYTES = 256 * 1024
FRAME_HEADER = struct.Struct(">cI")
# A pipe write of at most PIPE_BUF bytes is atomic, so frames from forked children never interleave.
PIPE_BUF = 4096


def write_frame(kind, payload):
    step = PIPE_BUF - FRAME_HEADER.size
    for start in range(0, max(len(payload), 1), step):
        piece = payload[start : start + step]
        os.write(FRAMES_FD, FRAME_HEADER.pack(kind, len(piece)) + piece)


class FramedOutput(io.RawIOBase):
    """The bytes under sys.stdout or sys.stderr: each write becomes one or more frames."""

    def __init__(self, kind, fd):
        super().__init__()
        self._kind = kind
        self._fd = fd

    def writable(self):
        return True

    def fileno(self):
        # subprocess.run(..., stdout=sys.stdout) passes this fd on; the parent captures it raw.
        return self._fd

    def write(self, data):
        data = bytes(data)
        if data:
            write_frame(self._kind, data)
        return len(data)


def framed_text_stream(kind, fd, errors):
    # Line-buffered like a terminal, which is what learners compare their output with.
    return io.TextIOWrapper(FramedOutput(kind, fd), encoding="utf-8", errors=errors, line_buffering=True)


def read_request():
    chunks = []
    while chunk := os.read(REQUEST_FD, 65536):
        chunks.append(chunk)
    os.close(REQUEST_FD)
    return json.loads(b"".join(chunks))


def provide_stdin(text):
    """Puts `text` on fd 0 through a pipe whose writing end is closed at once, so input(), sys.stdin
    and child processes read it and then see end of file, as with `python3 main.py < input.txt`.
    The worker bounds the text below the pipe's 64 KiB, so writing it whole never blocks."""
    data = text.encode("utf-8")
    read_end, write_end = os.pipe()
    view = memoryview(data)
    while view:
        view = view[os.write(write_end, view) :]
    os.close(write_end)
    os.dup2(read_end, 0)  # sys.stdin wraps fd 0 and has read nothing yet
    os.close(read_end)


def apply_limits(limits):
    """Per-process backstops; the control group limits the run as a whole. Soft = hard: no raising."""
    cpu_seconds = limits["cpuSeconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fileSizeBytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["openFiles"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Counted per host user, which is this run's alone (src/sandbox/ids.ts); capped here so that even its own
    # budget is small: queued signals and POSIX message queue bytes cost kernel memory outside the cgroup.
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (SIGPENDING_LIMIT,) * 2)
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (MSGQUEUE_BYTES,) * 2)


def record_timeline():
    """Loads the task recorder (recorder.py, beside this file in the sandbox) under a name no
    learner's module can shadow; at exit it sends its JSON recording as T frames, and snapshots of it
    as P frames while the program runs."""
    spec = importlib.util.spec_from_file_location("loopy_recorder", os.path.join(os.path.dirname(__file__), "recorder.py"))
    recorder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorder)
    recorder.start(lambda recording: write_frame(b"T", recording), write_snapshot)


def write_snapshot(snapshot):
    # Only the recorder's watchdog thread writes P frames, so one snapshot's pieces never mix with another's.
    write_frame(b"P", snapshot)
    write_frame(b"P", b"")


def make_main_module():
    module = types.ModuleType("__main__")
    module.__file__ = MAIN_PATH
    module.__builtins__ = builtins
    module.__loader__ = importlib.machinery.SourceFileLoader("__main__", MAIN_PATH)
    return module


def run_as_main(source):
    """Runs source as __main__; an uncaught exception is printed the way Python prints it and exits 1."""
    module = make_main_module()
    sys.modules["__main__"] = module
    try:
        exec(compile(source, MAIN_PATH, "exec", dont_inherit=True), module.__dict__)
    except SystemExit:
        raise  # Python's own handling at the top level: codes, messages, exit status.
    except BaseException as error:
        # Drop this frame so the traceback starts in main.py, as it does under `python3 main.py`.
        user_frames = error.__traceback__.tb_next if error.__traceback__ else None
        sys.excepthook(type(error), error.with_traceback(user_frames), user_frames)
        sys.exit(1)


def main():
    # Whatever the worker itself inherited without close-on-exec (a supervisor's pipe, say) passed through
    # sh, setpriv and bwrap to here; none of it is the learner's business.
    os.closerange(FRAMES_FD + 1, os.sysconf("SC_OPEN_MAX"))
    os.set_inheritable(FRAMES_FD, False)  # Programs the learner execs report through fd 1 and 2 only.
    sys.stdout = sys.__stdout__ = framed_text_stream(b"o", 1, "strict")
    sys.stderr = sys.__stderr__ = framed_text_stream(b"e", 2, "backslashreplace")
    write_frame(b"R", json.dumps({"python": "%d.%d.%d" % sys.version_info[:3]}).encode())

    request = read_request()
    if request.get("timeline"):
        record_timeline()
    with open(MAIN_PATH, "w", encoding="utf-8") as main_file:
        main_file.write(request["code"])
    with open(MAIN_PATH, "rb") as main_file:
        source = main_file.read()  # Bytes, so a coding cookie is honoured as Python would.
    if request.get("stdin"):
        provide_stdin(request["stdin"])
    apply_limits(request["limits"])

    sys.argv = ["main.py"]
    sys.path[0] = "/tmp"
    sys.modules["loopy_runner"] = sys.modules["__main__"]
    run_as_main(source)


if __name__ == "__main__":
    main()
