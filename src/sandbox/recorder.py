"""Loopy's task recorder: a timeline of every asyncio task of a learner's program, for the /run picture.

    import recorder
    recorder.start(write, write_snapshot)   # before the learner's code runs

write(bytes) receives the JSON once, at exit. A run stopped by a limit never gets there, so a watchdog
thread also hands write_snapshot(bytes) the recording so far while the program runs (see watch()).

Every event loop's create_task is wrapped (asyncio.run, new_event_loop, a loop class called directly), so
tasks from create_task, gather, TaskGroup, ensure_future and asyncio.run's own main task are all seen, with
or without the learner's own task factory (asyncio.eager_task_factory) on every version from 3.11. Each task's coroutine is wrapped in a TimedCoroutine whose send/throw time every step the
task takes on the loop; what the step handed back to the task says what it waits on next.

The program must not notice: nothing is printed, no task or future is kept alive (a recorded task still
gets "Task was destroyed but it is pending!"), reprs and tracebacks are the ones Python shows without it.
The recording (times in ms from start(), rounded to microseconds):

    {"version": 1, "wallMs": 1003.2, "originMonotonicUs": 2310968860, "droppedSteps": 0, "droppedTasks": 0,
     "waits": [{"kind": "sleep", "label": "asyncio.sleep"}, {"kind": "task", "label": "Task-2", "tasks": [2]}],
     "tasks": [{"id": 1, "name": "Task-1", "coro": "main", "args": "", "createdBy": "asyncio.run", "createdMs": 0.1,
                "steps": [[0.2, 0.3, 0], [1000.4, 1000.5, -1]],
                "finishedMs": 1000.5, "outcome": "result" | "exception" | "cancelled" | "pending",
                "exception": "ValueError"}]}

"args" is a short text of the coroutine's first arguments ("1, 'tea'"; "…" for values that are not plain
numbers, strings or None). Tasks asyncio makes for itself inside a program's task are not recorded.

A step is [startMs, endMs, wait]: `wait` indexes "waits" (what the task waited on after that step) or is
-1 when the task ended there or its wait is unknown. A snapshot also has "running": the step that has held
the loop for LONG_STEP_SECONDS or more and is still running, {"task": 2, "startedMs": 0.3, "line": 5}
(the line its coroutine is at), or null.
"""

import _thread
import asyncio
import atexit
import collections.abc
import functools
import json
import os
import sys
import time
import types
import weakref
from asyncio import base_events

# Beyond these a program is a stress test, not something to picture; the counts of what was dropped
# are kept. Steps that held the loop for long are always kept: they are what the blocking hint needs.
MAX_TASKS = 1000
MAX_STEPS = 20_000
LONG_STEP_SECONDS = 0.1
# The watchdog looks this often, so a step that blocks the loop is reported 0.1 to 0.2 s after it starts.
WATCH_SECONDS = LONG_STEP_SECONDS
# A loop that stays busy (never quiet for a tick) still gets its recording sent this often.
SNAPSHOT_SECONDS = 1.0

ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
LEARNER_FILE = "/tmp/main.py"  # runner.py runs the learner's code as this file
Task = asyncio.Task
_GatheringFuture = asyncio.tasks._GatheringFuture
CoroutineType = types.CoroutineType
GeneratorType = types.GeneratorType
perf_counter = time.perf_counter
sleep = time.sleep  # Taken now: the learner's code may replace time.sleep.


class Recording:
    def __init__(self):
        self.origin = perf_counter()
        # CLOCK_MONOTONIC, shared with the parent outside the sandbox: lets it line these times up with its own.
        self.origin_monotonic_us = time.monotonic_ns() // 1000
        self.tasks = []
        # Every task's steps in one list, (TaskRecord, started, ended, wait token): the cheapest to append to.
        self.steps = []
        self.dropped_steps = 0
        self.dropped_tasks = 0
        self.watched = False  # whether the watchdog thread has been started
        # The TimedCoroutine whose step is running now, or None: what the watchdog looks at. Kept here, not
        # read from asyncio: 3.14's C tasks keep the current task where Python code cannot see it.
        self.running = None

    def to_json(self, running=None):
        """The recording so far; `running` is (TaskRecord, started, line): a step still holding the loop."""
        waits = WaitTable()
        ms = self.ms
        # The watchdog calls this while the loop's thread may add steps and tasks: copies (atomic under the
        # GIL), steps first, so that every copied step's task is among the copied tasks.
        steps = self.steps[:]
        records = self.tasks[:]
        steps_by_task = {task.id: [] for task in records}
        for task, started, ended, token in steps:
            steps_by_task[task.id].append([ms(started), ms(ended), waits.index(token)])
        tasks = []
        for task in records:
            entry = {
                "id": task.id,
                "name": task.current_name(),
                "coro": task.coro_name,
                "args": task.args,
                "createdBy": task.created_by,
                "createdMs": ms(task.created),
                "steps": steps_by_task[task.id],
                "finishedMs": None if task.finished is None else ms(task.finished),
                "outcome": task.outcome,
            }
            if task.exception:
                entry["exception"] = task.exception
            tasks.append(entry)
        recording = {
            "version": 1,
            "wallMs": ms(perf_counter()),
            "originMonotonicUs": self.origin_monotonic_us,
            "droppedSteps": self.dropped_steps,
            "droppedTasks": self.dropped_tasks,
            "waits": waits.entries,
            "tasks": tasks,
        }
        if running is not None:
            record, started, line = running
            recording["running"] = {"task": record.id, "startedMs": ms(started), "line": line}
        graph = waiting_tasks_graph(records)
        if graph:
            recording["callGraph"] = graph
        return recording

    def ms(self, seconds):
        # Whole microseconds: as precise as a step's timing is meaningful, and short in JSON.
        return int((seconds - self.origin) * 1_000_000) / 1000


class TaskRecord:
    __slots__ = ("recording", "id", "task", "name", "coro_name", "args", "created_by", "created", "finished", "outcome", "exception")

    def __init__(self, recording, coro, name, created_by):
        self.recording = recording
        self.id = len(recording.tasks) + 1
        self.task = None  # set_task() once the Task exists: an eager task's first step comes before that
        self.name = name
        self.coro_name = getattr(coro, "__qualname__", None) or type(coro).__name__
        self.args = call_arguments(coro)
        self.created_by = created_by
        self.created = perf_counter()
        self.finished = None
        self.outcome = "pending"
        self.exception = None

    def set_task(self, task):
        # A weak reference: holding the task would keep it alive and change what the program prints.
        try:
            self.task = weakref.ref(task)
        except TypeError:
            return  # the learner's task factory returned something that is not a Task
        self.current_name()

    def current_name(self):
        # Before 3.14 create_task(name=...) names the task only after the factory returned, and set_name may come later.
        task = None if self.task is None else self.task()
        if task is not None:
            self.name = task.get_name()
        return self.name or "?"

    def finish(self, started, error):
        self.finished = perf_counter()
        self.recording.steps.append((self, started, self.finished, None))
        self.current_name()
        if isinstance(error, StopIteration):
            self.outcome = "result"
        elif isinstance(error, asyncio.CancelledError):
            self.outcome = "cancelled"
        else:
            self.outcome = "exception"
            self.exception = type(error).__name__


class TimedCoroutine:
    """Stands in for a task's coroutine and times each step; the task and the learner see the original."""

    __slots__ = ("coro", "record", "recording", "steps", "started")

    def __init__(self, coro, record):
        self.coro = coro
        self.record = record
        self.recording = record.recording
        self.steps = record.recording.steps
        self.started = None  # When the latest step started: the watchdog reads it while the step runs.

    # send and throw are the hot path of every task step: kept flat, with no calls that can be avoided.
    def send(self, value):
        recording = self.recording
        # An eager task's first step runs inside the step that created it: the outer one resumes after.
        outer = recording.running
        recording.running = self
        self.started = started = perf_counter()
        try:
            awaited = self.coro.send(value)
        except BaseException as error:
            recording.running = outer
            self.record.finish(started, error)
            # Drop this frame, so a traceback reads exactly as it would without the recorder.
            # A bare raise adds no new traceback entry.
            error.__traceback__ = error.__traceback__.tb_next
            raise
        ended = perf_counter()
        recording.running = outer
        steps = self.steps
        if len(steps) < MAX_STEPS or ended - started >= LONG_STEP_SECONDS:
            steps.append((self.record, started, ended, wait_token(awaited, self.coro)))
        else:
            self.record.recording.dropped_steps += 1
        return awaited

    def throw(self, *exception):
        recording = self.recording
        outer = recording.running
        recording.running = self
        self.started = started = perf_counter()
        try:
            awaited = self.coro.throw(*exception)
        except BaseException as error:
            recording.running = outer
            self.record.finish(started, error)
            error.__traceback__ = error.__traceback__.tb_next
            raise
        recording.running = outer
        self.steps.append((self.record, started, perf_counter(), wait_token(awaited, self.coro)))
        return awaited

    def close(self):
        return self.coro.close()

    def __await__(self):
        return self.coro.__await__()

    def __getattr__(self, name):
        # cr_code, cr_frame, __qualname__...: Task.__repr__, get_stack() and learners read these.
        return getattr(self.coro, name)

    def __repr__(self):
        return repr(self.coro)


# The C Task accepts any registered Coroutine, calling its send and throw methods.
collections.abc.Coroutine.register(TimedCoroutine)


# Values shown as a lane's arguments, job(1) and job(2): only types whose repr runs no code of the program.
PLAIN_VALUES = (int, float, str, bytes, bool, type(None))
ARG_CHARS = 20
MAX_ARGS = 3


def call_arguments(coro):
    """The first arguments the coroutine was called with, short, e.g. "1, 'tea'" (self and cls left out).

    Read from the not yet started frame's locals, which hold exactly the arguments; only a string is kept.
    """
    if type(coro) is not CoroutineType or coro.cr_frame is None:
        return ""
    code = coro.cr_code
    names = code.co_varnames[: code.co_argcount]
    if names[:1] in (("self",), ("cls",)):
        names = names[1:]
    values = coro.cr_frame.f_locals
    shown = []
    for name in names[:MAX_ARGS]:
        value = values.get(name)
        if type(value) in (str, bytes):
            value = value[:ARG_CHARS]  # repr of a long string would cost its whole length
        try:
            text = repr(value) if type(value) in PLAIN_VALUES else "…"
        except ValueError:  # an int past sys.get_int_max_str_digits()
            text = "…"
        shown.append(text if len(text) <= ARG_CHARS else text[: ARG_CHARS - 1] + "…")
    if len(names) > MAX_ARGS:
        shown.append("…")
    return ", ".join(shown)


def wait_token(awaited, coro):
    """What a task waits on after a step, cheaply: a TaskRecord, a tuple of them, or a code object."""
    kind = type(awaited)
    if kind is Task:
        inner = awaited.get_coro()
        if type(inner) is TimedCoroutine:
            return inner.record
    elif kind is _GatheringFuture:
        records = tuple(
            child.get_coro().record
            for child in awaited._children
            if type(child) is Task and type(child.get_coro()) is TimedCoroutine
        )
        if records:
            return records
    # Otherwise the innermost coroutine of the await chain names it: asyncio.sleep, Queue.get, main...; but
    # deep in asyncio's I/O the outermost asyncio function, the one the learner called, names it better
    # (Process.communicate, not BaseSubprocessTransport._wait).
    # Exact type checks, not getattr with a default: a missing attribute costs an exception each time.
    code = called = None
    while True:
        kind = type(coro)
        if kind is CoroutineType:
            code = coro.cr_code
            coro = coro.cr_await
        elif kind is GeneratorType:
            code = coro.gi_code
            coro = coro.gi_yieldfrom
        elif called is None or code.co_qualname in ASYNCIO_WAITS:
            return code
        else:
            return called if os.path.basename(code.co_filename) in IO_MODULES else code
        if called is None and code.co_filename.startswith(ASYNCIO_DIR):
            called = code


# What waiting in one of asyncio's own functions means, by the function's qualified name.
ASYNCIO_WAITS = {
    "sleep": ("sleep", "asyncio.sleep"),
    "__sleep0": ("yield", "asyncio.sleep(0)"),
    "TaskGroup.__aexit__": ("tasks", "TaskGroup"),
    "TaskGroup._aexit": ("tasks", "TaskGroup"),  # 3.13+: __aexit__ awaits this
    "_wait": ("tasks", "asyncio.wait"),
    "wait_for": ("tasks", "wait_for"),
    "as_completed.<locals>._wait_for_one": ("tasks", "as_completed"),
    "to_thread": ("thread", "to_thread"),
}
IO_MODULES = ("streams.py", "selector_events.py", "base_events.py", "subprocess.py", "base_subprocess.py", "unix_events.py")
SYNC_MODULES = ("locks.py", "queues.py")


class WaitTable:
    """Numbers each distinct wait of the recording once, so steps can refer to it by index."""

    def __init__(self):
        self.entries = []
        self.indexes = {}

    def index(self, token):
        if token is None:
            return -1
        key = id(token) if isinstance(token, types.CodeType) else tuple(record.id for record in tokens(token))
        if key not in self.indexes:
            entry = describe_wait(token)
            if entry is None:
                self.indexes[key] = -1
            else:
                self.indexes[key] = len(self.entries)
                self.entries.append(entry)
        return self.indexes[key]


def tokens(token):
    return token if isinstance(token, tuple) else (token,)


def describe_wait(token):
    if isinstance(token, TaskRecord):
        return {"kind": "task", "label": token.current_name(), "tasks": [token.id]}
    if isinstance(token, tuple):
        return {"kind": "tasks", "label": "gather", "tasks": [record.id for record in token]}
    name = getattr(token, "co_qualname", token.co_name)
    filename = token.co_filename
    if not filename.startswith(ASYNCIO_DIR):
        # The task's own code awaited something that is not a coroutine: a bare future.
        return {"kind": "future", "label": f"a future in {name}()"}
    if name in ASYNCIO_WAITS:
        kind, label = ASYNCIO_WAITS[name]
        return {"kind": kind, "label": label}
    module = os.path.basename(filename)
    if module in SYNC_MODULES:
        return {"kind": "sync", "label": name}
    if module in IO_MODULES:
        return {"kind": "io", "label": name.lstrip("_")}
    return {"kind": "future", "label": name}


# The learner-facing names of the asyncio functions that make tasks, where their qualname differs.
CREATORS = {"run": "asyncio.run", "TaskGroup.create_task": "TaskGroup", "BaseEventLoop.run_until_complete": "run_until_complete"}


def created_by():
    """The asyncio function the learner called to make the task: gather, create_task, TaskGroup, asyncio.run."""
    try:
        frame = sys._getframe(2)  # Above this function and the recorder's loop.create_task.
    except ValueError:  # Called from C with no Python caller.
        return "loop.create_task"
    entry = None
    while frame is not None and frame.f_code.co_filename.startswith(ASYNCIO_DIR):
        entry = frame.f_code
        frame = frame.f_back
    if entry is None:
        return "loop.create_task"
    return CREATORS.get(entry.co_qualname, entry.co_qualname)


# asyncio.run's own clean-up at the end, not the learner's tasks.
LOOP_CLEANUP = {"BaseEventLoop.shutdown_asyncgens", "BaseEventLoop.shutdown_default_executor"}


def is_loop_cleanup(coro):
    code = getattr(coro, "cr_code", None)
    return code is not None and code.co_qualname in LOOP_CLEANUP and code.co_filename.startswith(ASYNCIO_DIR)


# The asyncio functions that make a task of an awaitable the learner hands them (named as created_by names them).
TASK_MAKERS = {"asyncio.run", "Runner.run", "run_until_complete", "create_task", "TaskGroup", "ensure_future", "gather",
               "wait_for", "shield", "as_completed", "wait", "loop.create_task"}


def is_helper_task(recording, coro, creator):
    """A task asyncio makes for itself while a task of the program runs (Process.communicate's readers, a
    subprocess transport's pipes): not the learner's, so not a lane; the task that caused it shows the wait."""
    code = getattr(coro, "cr_code", None)
    return (code is not None and code.co_filename.startswith(ASYNCIO_DIR) and creator not in TASK_MAKERS
            and recording.running is not None)


def hide_recorder_frames(task):
    """Debug mode reports where each task was created: keep that the learner's line, not the recorder's."""
    frames = getattr(task, "_source_traceback", None)
    if frames:
        frames[:] = [frame for frame in frames if frame.filename != __file__]


def record_tasks(recording, write_snapshot):
    original_create_task = base_events.BaseEventLoop.create_task

    # Every task of asyncio's own loops comes from loop.create_task (asyncio.run, create_task, gather,
    # TaskGroup, ensure_future). Wrapping the method, not setting a task factory, leaves everything else as it
    # was on every version: the learner's own factory (asyncio.eager_task_factory), get_task_factory, how
    # 3.11–3.15 name tasks, and the keyword arguments each passes on (context, name, eager_start on 3.14).
    @functools.wraps(original_create_task)
    def create_task(loop, coro, *args, **kwargs):
        # Not a coroutine: Task raises the TypeError learners would get, the wrapper would hide it.
        creator = created_by()
        helper = asyncio.iscoroutine(coro) and is_helper_task(recording, coro, creator)
        if not asyncio.iscoroutine(coro) or is_loop_cleanup(coro) or helper or len(recording.tasks) >= MAX_TASKS:
            if asyncio.iscoroutine(coro) and not is_loop_cleanup(coro) and not helper:
                recording.dropped_tasks += 1
            try:
                return original_create_task(loop, coro, *args, **kwargs)
            except BaseException as error:
                error.__traceback__ = error.__traceback__.tb_next  # as if called directly
                raise
        # The record exists before the task: an eager task (eager_task_factory, eager_start=True) takes its
        # first step inside the Task constructor.
        record = TaskRecord(recording, coro, kwargs.get("name"), creator)
        recording.tasks.append(record)
        try:
            task = original_create_task(loop, TimedCoroutine(coro, record), *args, **kwargs)
        except BaseException as error:
            recording.tasks.remove(record)  # the loop is closed, or the learner's factory failed: no task
            error.__traceback__ = error.__traceback__.tb_next
            raise
        hide_recorder_frames(task)
        record.set_task(task)
        return task

    original_init = base_events.BaseEventLoop.__init__

    @functools.wraps(original_init)
    def init_with_watchdog(loop, *args, **kwargs):
        original_init(loop, *args, **kwargs)
        if not recording.watched:
            # Started with the first loop, so a program without asyncio keeps all of its thread limit.
            recording.watched = True
            try:
                _thread.start_new_thread(watch, (recording, write_snapshot))
            except RuntimeError:
                pass  # No thread left under the process limit: the loop works as it would, just unwatched.

    base_events.BaseEventLoop.__init__ = init_with_watchdog
    base_events.BaseEventLoop.create_task = create_task


# Where tasks still pending were waiting, as asyncio.format_call_graph prints it (3.14+): for a run stopped
# by a limit or one that ended with tasks pending. Bounded: a few tasks, a few thousand characters.
MAX_GRAPH_TASKS = 8
MAX_GRAPH_CHARS = 3000
format_call_graph = getattr(asyncio, "format_call_graph", None)


def waiting_tasks_graph(records):
    """The awaited-by trees of the pending tasks nothing else waits for (the others show up inside them)."""
    if format_call_graph is None:
        return None
    pending = []
    for record in records:
        task = None if record.task is None or record.outcome != "pending" else record.task()
        if task is not None and isinstance(task, asyncio.Future) and not task.done():
            pending.append(task)
    if not pending:
        return None
    try:
        awaited = set()
        for task in pending:
            awaited.update(id(waiter) for waiter in list(task._asyncio_awaited_by or ()))
        leaves = [task for task in pending if id(task) not in awaited] or pending
        graphs = []
        size = 0
        for task in leaves[:MAX_GRAPH_TASKS]:
            graph = format_call_graph(task, limit=10)
            size += len(graph)
            if size > MAX_GRAPH_CHARS:
                break
            graphs.append(graph)
        if len(leaves) > len(graphs):
            graphs.append(f"… and {len(leaves) - len(graphs)} more")
        return "\n".join(graphs)
    except Exception:
        # The watchdog looks while the loop runs: a task that changed under it is simply left out this time.
        return None
    finally:
        pending = leaves = None  # keep nothing of the program alive


def encode(recording):
    return json.dumps(recording, separators=(",", ":")).encode()


def running_step(recording):
    """(TaskRecord, started, line) of the recorded step running now, or None.

    No coroutine or task is returned: the watchdog keeps what it saw between looks, and that must not
    keep anything of the program alive (a coroutine's `finally` runs when it is collected).
    """
    coro = recording.running
    if coro is None or coro.started is None:
        return None
    frame = getattr(coro.coro, "cr_frame", None)
    return coro.record, coro.started, None if frame is None else learner_line(frame)


def learner_line(coroutine_frame):
    """The line of main.py the step is at: the innermost frame there on the thread running the coroutine, e.g.
    the loop in spinner() that main() awaits, not main()'s `await spinner()` (mid-step, main's cr_await is None:
    no chain to walk, so the thread's stack is searched for the coroutine's frame)."""
    for top in sys._current_frames().values():
        innermost = None
        frame = top
        while frame is not None:
            if innermost is None and frame.f_code.co_filename == LEARNER_FILE:
                innermost = frame
            if frame is coroutine_frame:
                return (innermost or frame).f_lineno
            frame = frame.f_back
    return coroutine_frame.f_lineno


def watch(recording, write_snapshot):
    """The watchdog, in a thread of its own (made with _thread, so threading.enumerate() does not list it).

    Every WATCH_SECONDS it sends the recording so far when the copy the parent has would mislead it about
    a run stopped now: a step has held the loop since the last look (sent once per step, as "running");
    the step the last copy showed running has ended; or the recording changed and the loop has been quiet
    for a whole look (every task waiting) or the last copy is SNAPSHOT_SECONDS old. Otherwise it only
    reads a few counters, so a busy program pays next to nothing.
    """
    seen = seen_size = None  # the running step's (record, started) and the recording's size at the last look
    sent = sent_size = None  # the same when the last snapshot was sent
    sent_at = perf_counter()
    while True:
        sleep(WATCH_SECONDS)
        step = running_step(recording)
        size = (len(recording.steps), recording.dropped_steps, len(recording.tasks))
        now = perf_counter()
        # Every step sets a new start time, so the same one at two looks in a row has held the loop since.
        blocking = step is not None and step[:2] == seen and now - step[1] >= LONG_STEP_SECONDS
        if blocking:
            send = step[:2] != sent
        else:
            send = sent is not None or (size != sent_size and (size == seen_size or now - sent_at >= SNAPSHOT_SECONDS))
        seen, seen_size = None if step is None else step[:2], size
        if not send:
            continue
        try:
            write_snapshot(encode(recording.to_json(step if blocking else None)))
        except OSError:
            return  # The learner's code closed or broke the frames pipe: nothing more can be sent.
        sent, sent_size, sent_at = step[:2] if blocking else None, size, now


def start(write, write_snapshot):
    """Records the tasks of every event loop made from now on; see the module docstring for the writers."""
    recording = Recording()
    record_tasks(recording, write_snapshot)
    atexit.register(lambda: write(encode(recording.to_json())))
    return recording
