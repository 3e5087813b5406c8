/* The send patch's hot paths in C: a send that ran no receiver, from a caller already seen, and
 * a send that ran receivers already known, from a caller already seen.
 *
 * Most sends of a test suite run no receiver (pre_init/post_init of every model instance,
 * request_started): for those the pure-Python patch costs an extra Python frame, a repacked
 * **kwargs dict and sys._getframe(), about three times the send itself. A FastSend object
 * replaces Signal.send on the class: it forwards the call to the original method unchanged
 * (vectorcall, no repacking), and when the result is not a non-empty list it bumps the counter
 * that pytest_signaltrace.trace.quiet keeps for (id(signal), id(code) + f_lasti) of the caller.
 * A send that ran receivers is counted here too when everything about it was seen before (the
 * receiver path below: the same rows, walks and per-test sets as the Python record()). Anything
 * else (a caller, signal or receiver not seen yet, an internal caller, a robust send whose
 * receiver raised, a failure) is handed to the Python functions given at creation, which hold the
 * whole logic: this file adds no behaviour, only speed. Without a compiler the package uses the
 * pure-Python patch instead.
 *
 * Holds no reference to a signal, sender, result or frame after the call returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>

/* The caller's code and instruction offset are read from the interpreter's own frame record on
 * the CPython versions whose layout this file knows (3.11 to 3.13, with the GIL), so that a send
 * counted here materializes no frame object (PyEval_GetFrame allocates one per call, and the
 * caller's return frees it: about 190 instructions per send). Elsewhere PyEval_GetFrame. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030E0000 && !defined(PYPY_VERSION) && \
    !defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API)
#define FRAME_RECORDS 1
#define Py_BUILD_CORE 1
#include <internal/pycore_frame.h>
#undef Py_BUILD_CORE
#else
#define FRAME_RECORDS 0
#endif

/* The tables of send_patch.ReceiverTables (field order = the format in parse_receiver_tables),
 * borrowed from the tuple FastSend.tables holds. */
typedef struct {
    PyObject *method;        /* str: "send", "send_robust", ... */
    int robust;              /* the method returns a receiver's exception (record_raises) */
    PyObject *files;         /* dict: raw co_filename -> (absolute, is project, is internal) */
    PyObject *signal_ids;    /* dict: id(signal) -> token */
    PyObject *handler_ids;   /* dict: id(code) -> handler token */
    PyObject *walks;         /* dict: id(code) + f_lasti -> itertools.count of walks made */
    Py_ssize_t walks_per_site;
    PyObject *project_frame; /* project_frame(frame or None) -> the first project frame or None */
    PyObject *sends;         /* dict: send row -> itertools.count */
    PyObject *codes;         /* dict: id(code) -> code (kept alive: ids stay unique) */
    PyObject *tests;         /* dict: (signal token, handlers) -> set of node ids */
    PyObject *recorder;      /* its current_test: the running test's node id or None */
    PyObject *new_counter;   /* itertools.count */
    PyObject *fault;         /* fault(exception): a fault of the recording, reported */
} ReceiverTables;

/* The last quiet counters found, by signal and caller instruction: a hit skips the two dict
 * lookups of quiet_counter (each with a new int key). Two ways per set, the most recent first:
 * two hot keys that land in one set (pre_init and post_init from Model.__init__, 1 chance in 32
 * with one way per set) both stay. An entry holds a weak reference to its
 * signal, so a new signal at a dead one's address misses (the Python side forgets the dead
 * one's counters the same way, see trace/quiet.py), and the counter itself; the caller's code is
 * compared by address only: a code with a quiet counter is kept alive in Recorder.codes. A
 * signal's counter for an instruction is never replaced while the signal lives. */
#define QUIET_SETS 16
#define QUIET_WAYS 2
#define QUIET_CACHE (QUIET_SETS * QUIET_WAYS)
typedef struct {
    PyObject *signal_ref; /* weakref to the signal; NULL: an empty entry */
    PyCodeObject *code;   /* compared by address only (see above) */
    int lasti;
    PyObject *counter;    /* the signal's counter for (code, lasti), as in FastSend.live */
} QuietEntry;

/* The last rows of sends that ran receivers, by signal and caller instruction, with the code of
 * each receiver's function, the row's counter and the per-test set of its handlers: a hit (the
 * same signal, alive, from the same instruction, the same receivers' codes in the same order, no
 * exception returned by a robust send) counts the send with no dict lookup and no tuple. Only a
 * row whose project part is settled is kept: a caller in the project, or one whose walks to the
 * project frame are done. Sound because a live signal's rows, counters and sets are never
 * replaced (folding moves dead signals' only), and a code's handler token never changes
 * (HandlerTable.by_code_id only grows; the codes are kept alive there). */
#define LOUD_SETS 8
#define LOUD_WAYS 2
#define LOUD_CACHE (LOUD_SETS * LOUD_WAYS)
#define LOUD_RECEIVERS 6
typedef struct {
    PyObject *signal_ref; /* weakref to the signal; NULL: an empty entry */
    PyCodeObject *code;   /* the caller's, compared by address (kept alive in Recorder.codes) */
    int lasti;
    Py_ssize_t receivers;
    PyCodeObject *handlers[LOUD_RECEIVERS]; /* each receiver's function's code, by address */
    PyObject *counter;    /* Recorder.sends[row] */
    PyObject *nodes;      /* Recorder.tests[(token, handlers)], or NULL: not known yet */
    PyObject *last_test;  /* the test last added to nodes (held: compared by address) */
} LoudEntry;

#define UNWATCHED_SETS 8
#define UNWATCHED_WAYS 2
typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *original; /* the original send function */
    PyObject *live;     /* dict: id(signal) -> dict: id(code) + f_lasti -> itertools.count */
    PyObject *record;   /* record(signal, frame, result): a send the fast path does not take */
    PyObject *failed;   /* failed(signal, frame, exception): a send that raised */
    PyObject *nested;   /* nested(signal, frame, depth, enclosing signal): a send in a receiver */
    /* (frame: the caller's, None when no Python frame called: a thread's function run from C) */
    PyObject *dict;     /* __wrapped__, __name__, ... (functools.update_wrapper) */
    PyObject *weakrefs; /* as a function's: weakref.WeakMethod(signal.send) (a weak connect) */
    PyObject *tables;   /* a send_patch.ReceiverTables, or None: no receiver path in C */
    ReceiverTables receivers; /* borrowed from tables; method NULL: no receiver path */
    char active;        /* False once uninstalled: calls pass through */
    PyObject *watched;  /* dict: id(signal) -> ... of signals whose senders are noted, or NULL */
    PyObject *note;     /* note(signal, sender): called for a send of a watched signal */
    QuietEntry quiet[QUIET_CACHE]; /* set i: entries QUIET_WAYS * i, ... */
    /* Signals found not watched (compared by address only), while watch_generation is
     * unwatched_generation: most sends' signals are not watched, and the dict lookup that says
     * so costs a new int key. */
    PyObject *unwatched[UNWATCHED_SETS * UNWATCHED_WAYS]; /* set i: UNWATCHED_WAYS * i, ... */
    unsigned long unwatched_generation;
    LoudEntry loud[LOUD_CACHE];    /* set i: entries LOUD_WAYS * i, ... */
    Py_ssize_t loud_hits;          /* sends with receivers counted from the cache */
    Py_ssize_t unwatched_hits;     /* sends whose signal was remembered as not watched */
    Py_ssize_t quiet_hits;         /* quiet sends counted from the cache */
    Py_ssize_t frames_made;        /* caller frame objects asked for (PyEval_GetFrame) */
} FastSend;

/* functools.partial, and interned attribute names, set once by the module's init. */
static PyObject *partial_type;
static PyObject *str_func;
static PyObject *str_current_test;
static PyObject *str_add;

/* Cascades: how many traced sends run in this thread (see trace/nesting.py). A send that starts
 * while another runs (depth > 0), or while any asend is in flight, is handed to nested() so the
 * receiver that made it can be found; any other send pays one thread-local increment. */
#if defined(_MSC_VER)
#define NESTING_LOCAL __declspec(thread)
#elif defined(__GNUC__) && defined(__ELF__)
/* initial-exec: a plain %fs-relative access, no __tls_get_addr call per send (the state is
 * small enough for the static TLS that the C library keeps for modules loaded later) */
#define NESTING_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define NESTING_LOCAL _Thread_local
#endif
#define NESTING_KEPT 16
typedef struct {
    long depth;
    /* The signal of each running send of this thread, by depth (borrowed: the send's caller
     * holds it until the send returns; a slot is written before the depth that reads it). */
    PyObject *signals[NESTING_KEPT];
} Nesting;
/* One thread-local, its address taken once per send (a TLS access in a shared library can be
 * a function call). */
static NESTING_LOCAL Nesting nesting;
static long asends_in_flight = 0; /* changed under the GIL only */
/* Bumped (under the GIL) whenever a signal starts being watched for its senders: what each
 * FastSend remembers as not watched is forgotten (a new signal at a remembered address, now
 * watched, is then looked up again). Starts at 1: a new FastSend's 0 remembers nothing. */
static unsigned long watch_generation = 1;

/* Count a send of `signal` (NULL: unknown) started in this thread; the depth before it. */
static inline long
nesting_push(Nesting *state, PyObject *signal)
{
    long outer = state->depth++;
    if (outer < NESTING_KEPT) {
        state->signals[outer] = signal;
    }
    return outer;
}

/* Tell nested() about a send made while another ran; 0, or -1 with an error to raise. */
static int
report_nested(FastSend *self, PyObject *signal, PyObject *caller, long outer)
{
    if (self->nested == NULL || self->nested == Py_None) {
        return 0;
    }
    PyObject *depth = PyLong_FromLong(outer);
    if (depth == NULL) {
        PyErr_Clear();
        return 0;
    }
    PyObject *enclosing =
        outer >= 1 && outer <= NESTING_KEPT ? nesting.signals[outer - 1] : NULL;
    PyObject *done = PyObject_CallFunctionObjArgs(
        self->nested, signal, caller, depth, enclosing != NULL ? enclosing : Py_None, NULL);
    Py_DECREF(depth);
    if (done == NULL) {
        if (PyErr_ExceptionMatches(PyExc_Exception)) {
            PyErr_Clear();
            return 0;
        }
        return -1;
    }
    Py_DECREF(done);
    return 0;
}

static PyObject *
nesting_enter(PyObject *Py_UNUSED(module), PyObject *signal)
{
    return PyLong_FromLong(nesting_push(&nesting, signal));
}

static PyObject *
nesting_current(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromLong(nesting.depth);
}

static PyObject *
nesting_leave(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    if (nesting.depth > 0) {
        nesting.depth--;
    }
    Py_RETURN_NONE;
}

static PyObject *
senders_watched(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    watch_generation++;
    Py_RETURN_NONE;
}

static PyObject *
nesting_asend(PyObject *Py_UNUSED(module), PyObject *delta)
{
    long change = PyLong_AsLong(delta);
    if (change == -1 && PyErr_Occurred()) {
        return NULL;
    }
    asends_in_flight += change;
    if (asends_in_flight < 0) {
        asends_in_flight = 0;
    }
    return PyLong_FromLong(asends_in_flight);
}

/* Whether the weak reference `ref` refers to `object` (alive). */
static int
refers_to(PyObject *ref, PyObject *object)
{
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *target = NULL;
    if (PyWeakref_GetRef(ref, &target) < 0) {
        PyErr_Clear();
        return 0;
    }
    int same = target == object;
    Py_XDECREF(target);
    return same;
#else
    return PyWeakref_GET_OBJECT(ref) == object;
#endif
}

/* Remember `counter` for sends of `signal` from (code, lasti) in `set`'s first way, the others
 * moved down one (the last one's entry forgotten); a signal that cannot be weakly referenced is
 * not remembered. */
static void
remember_quiet(QuietEntry *set, PyObject *signal, PyCodeObject *code, int lasti,
               PyObject *counter)
{
    Py_INCREF(counter); /* before anything that may run a finaliser */
    PyObject *ref = PyWeakref_NewRef(signal, NULL);
    if (ref == NULL) {
        PyErr_Clear();
        Py_DECREF(counter);
        return;
    }
    QuietEntry old = set[QUIET_WAYS - 1];
    memmove(&set[1], &set[0], (QUIET_WAYS - 1) * sizeof(QuietEntry));
    set[0].signal_ref = ref;
    set[0].code = code;
    set[0].lasti = lasti;
    set[0].counter = counter;
    Py_XDECREF(old.signal_ref);
    Py_XDECREF(old.counter);
}

/* The caller of a send: its code (borrowed: the running caller holds it) and instruction offset,
 * as frame.f_code and frame.f_lasti of PyEval_GetFrame() would give them (a frame object is made
 * only where this file has no frame records, and then kept in `frame`). 1 if found, 0 when no
 * Python frame called (a thread's function run from C). The offset is -1 when not known yet,
 * as PyFrame_GetLasti's: no fast path takes such a send. */
typedef struct {
    PyCodeObject *code;
    int lasti;
    PyFrameObject *frame; /* borrowed, NULL until asked for: see caller_frame() */
    int asked;            /* caller_frame() was called */
} Caller;

static int
find_caller(Caller *caller)
{
    caller->frame = NULL;
    caller->asked = 0;
#if FRAME_RECORDS
    PyThreadState *tstate = PyThreadState_GET();
#if PY_VERSION_HEX >= 0x030D0000
    _PyInterpreterFrame *record = tstate->current_frame;
#else
    _PyInterpreterFrame *record = tstate->cframe->current_frame;
#endif
    /* as PyEval_GetFrame: the first complete frame (3.12's shim frames are incomplete) */
    while (record != NULL && _PyFrame_IsIncomplete(record)) {
        record = record->previous;
    }
    if (record == NULL) {
        return 0;
    }
#if PY_VERSION_HEX >= 0x030D0000
    caller->code = _PyFrame_GetCode(record);
#else
    caller->code = record->f_code;
#endif
    int lasti = _PyInterpreterFrame_LASTI(record); /* as PyFrame_GetLasti */
    caller->lasti = lasti < 0 ? -1 : lasti * (int)sizeof(_Py_CODEUNIT);
#else
    PyFrameObject *frame = PyEval_GetFrame();
    caller->asked = 1;
    caller->frame = frame;
    if (frame == NULL) {
        return 0;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    caller->code = code;
    Py_DECREF(code); /* the frame holds it */
    caller->lasti = PyFrame_GetLasti(frame);
#endif
    return 1;
}

/* The caller's frame object (borrowed) for the Python side, or None (no Python caller). */
static PyObject *
caller_frame(FastSend *self, Caller *caller)
{
    if (!caller->asked) {
        caller->asked = 1;
        caller->frame = PyEval_GetFrame();
        self->frames_made++;
    }
    return caller->frame != NULL ? (PyObject *)caller->frame : Py_None;
}

/* The set of the quiet cache that remembers sends of `signal` from (code, lasti): the addresses'
 * low bits are alignment and an offset is even, hence the shifts; the product spreads all bits
 * into the top four (QUIET_SETS = 16). */
static inline Py_ssize_t
quiet_set(PyObject *signal, PyCodeObject *code, int lasti)
{
    uint64_t mixed = ((uint64_t)(uintptr_t)signal >> 4) ^
                     (((uint64_t)(uintptr_t)code >> 4) * 31u) ^ (uint64_t)(lasti >> 1);
    return (Py_ssize_t)((mixed * 0x9E3779B97F4A7C15u) >> 60);
}

/* quiet_set(signal, code, lasti), for the tests: which keys share a set. */
static PyObject *
quiet_set_of(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *signal;
    PyObject *code;
    int lasti;
    if (!PyArg_ParseTuple(args, "OO!i:quiet_set", &signal, &PyCode_Type, &code, &lasti)) {
        return NULL;
    }
    return PyLong_FromSsize_t(quiet_set(signal, (PyCodeObject *)code, lasti));
}

/* The counter of a quiet send of `signal` from `caller`, borrowed; NULL if none (no error). */
static PyObject *
quiet_counter(FastSend *self, PyObject *signal, PyCodeObject *code, int lasti)
{
    QuietEntry *set = &self->quiet[QUIET_WAYS * quiet_set(signal, code, lasti)];
    for (int way = 0; way < QUIET_WAYS; way++) {
        QuietEntry *entry = &set[way];
        if (entry->signal_ref != NULL && entry->code == code && entry->lasti == lasti &&
            refers_to(entry->signal_ref, signal)) {
            self->quiet_hits++;
            return entry->counter;
        }
    }
    PyObject *counter = NULL;
    PyObject *key = PyLong_FromVoidPtr(signal); /* id(signal) */
    if (key == NULL) {
        return NULL;
    }
    PyObject *counters = PyDict_GetItemWithError(self->live, key);
    Py_DECREF(key);
    if (counters != NULL && PyDict_CheckExact(counters)) {
        /* id(code) + f_lasti, as the Python side computes it (see trace/quiet.py) */
        PyObject *place = PyLong_FromUnsignedLongLong(
            (unsigned long long)(uintptr_t)code + (unsigned long long)lasti);
        if (place != NULL) {
            counter = PyDict_GetItemWithError(counters, place);
            Py_DECREF(place);
        }
    }
    if (counter != NULL) {
        Py_INCREF(counter); /* the entry's own reference below may replace a dict's */
        remember_quiet(set, signal, code, lasti, counter);
        Py_DECREF(counter); /* still held by the dict (and the entry) */
    }
    return counter;
}

/* Whether the error that record() or failed() let out is dropped: an Exception, a fault of the
 * recording (they report their own). Anything else, KeyboardInterrupt from a SIGINT handler run
 * inside them or SystemExit, goes on to the caller, as from the pure-Python patch. */
static int
dropped_callback_error(void)
{
    if (PyErr_ExceptionMatches(PyExc_Exception)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* Hand the sender of a send of a watched signal to note(signal, sender): the first argument
 * after the signal, else the keyword "sender", else None (see trace/senders_seen.py), unless
 * its kind is noted already (the key SendersSeen.note computes: a str itself, a class's id, else
 * its type's id + 1). Errors are the Python side's to report: dropped here. */
static inline Py_ssize_t
unwatched_set(PyObject *signal)
{
    /* signals are allocated a few hundred bytes apart: the product spreads all the address's
     * bits into the top three (UNWATCHED_SETS = 8) */
    return (Py_ssize_t)((((uint64_t)(uintptr_t)signal >> 4) * 0x9E3779B97F4A7C15u) >> 61);
}

/* unwatched_set(signal), for the tests: which signals share a set. */
static PyObject *
unwatched_set_of(PyObject *Py_UNUSED(module), PyObject *signal)
{
    return PyLong_FromSsize_t(unwatched_set(signal));
}

static void
note_sender(FastSend *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject **unwatched = &self->unwatched[UNWATCHED_WAYS * unwatched_set(args[0])];
    if (self->unwatched_generation != watch_generation) {
        memset(self->unwatched, 0, sizeof(self->unwatched));
        self->unwatched_generation = watch_generation;
    }
    else if (unwatched[0] == args[0] || unwatched[1] == args[0]) {
        self->unwatched_hits++;
        return;
    }
    PyObject *key = PyLong_FromVoidPtr(args[0]); /* id(signal) */
    if (key == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *seen = PyDict_GetItemWithError(self->watched, key); /* borrowed */
    Py_DECREF(key);
    if (seen == NULL || !PyDict_CheckExact(seen)) {
        if (seen == NULL && !PyErr_Occurred()) { /* the most recent first */
            unwatched[1] = unwatched[0];
            unwatched[0] = args[0];
        }
        PyErr_Clear();
        return;
    }
    PyObject *sender = nargs >= 2 ? args[1] : Py_None;
    if (nargs < 2 && kwnames != NULL) {
        Py_ssize_t count = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), "sender") == 0) {
                sender = args[nargs + i];
                break;
            }
        }
    }
    PyObject *kind = PyUnicode_CheckExact(sender) ? Py_NewRef(sender)
                     : PyType_Check(sender)       ? PyLong_FromVoidPtr(sender)
                                                  : PyLong_FromVoidPtr((char *)Py_TYPE(sender) + 1);
    int known = kind != NULL ? PyDict_Contains(seen, kind) : -1;
    Py_XDECREF(kind);
    if (known == 1) {
        return;
    }
    PyErr_Clear();
    PyObject *done = PyObject_CallFunctionObjArgs(self->note, args[0], sender, NULL);
    if (done == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(done);
}

/* --- the receiver path ----------------------------------------------------------------------
 *
 * A send whose result is a non-empty list, from a caller the Python record() has seen, is counted
 * here exactly as record() counts it: the row (signal token, method, id(code), f_lasti, project,
 * handler tokens), the handlers' per-test set, and for a caller outside the project the first
 * WALKS_PER_SITE sends' walk to the project frame (finder.project_frame, in Python). It runs in
 * two steps: look_up_send() only reads (anything it does not know hands the send to record(),
 * which redoes it from the start), count_send() writes (a fault there is reported, as record()
 * reports its own). */

/* What look_up_send() found: new references, or NULL where not applicable. */
typedef struct {
    PyCodeObject *code; /* the caller's */
    int lasti;
    int in_project;     /* the caller's file is the project's */
    PyObject *token;    /* the signal's */
    PyObject *handlers; /* tuple of handler tokens, in the order they ran */
    PyObject *walked;   /* the caller's walk counter (NULL for a project caller) */
    int settled;        /* the row's project part no longer changes (see LoudEntry) */
    PyObject *counter;  /* set by count_send: the row's counter */
    PyObject *nodes;    /* set by count_send: the handlers' per-test set (NULL: no test) */
    PyObject *test;     /* set by count_send: the test added to nodes */
} KnownSend;

static void
forget_send(KnownSend *send)
{
    Py_CLEAR(send->code);
    Py_CLEAR(send->token);
    Py_CLEAR(send->handlers);
    Py_CLEAR(send->walked);
    Py_CLEAR(send->counter);
    Py_CLEAR(send->nodes);
    Py_CLEAR(send->test);
}

/* The code of the function a receiver runs (a function, a bound method's, a partial's of either),
 * borrowed (the receiver holds it while it runs); NULL without an error when it is none of these. */
static PyCodeObject *
receiver_code(PyObject *receiver)
{
    PyObject *function = receiver;
    PyObject *held = NULL;
    if (Py_IS_TYPE(function, (PyTypeObject *)partial_type)) {
        held = PyObject_GetAttr(function, str_func);
        if (held == NULL) {
            PyErr_Clear();
            return NULL;
        }
        function = held;
    }
    if (PyMethod_Check(function)) {
        function = PyMethod_GET_FUNCTION(function);
    }
    PyCodeObject *code =
        PyFunction_Check(function) ? (PyCodeObject *)PyFunction_GET_CODE(function) : NULL;
    Py_XDECREF(held); /* the partial still holds its function */
    return code;
}

/* The token of the handler a receiver runs, as HandlerTable.token's cached path finds it (new
 * reference); NULL without an error when it is not a (partial of a) function or bound method
 * whose code has a token. */
static PyObject *
known_handler(ReceiverTables *tables, PyObject *receiver)
{
    PyCodeObject *code = receiver_code(receiver);
    if (code == NULL) {
        return NULL;
    }
    PyObject *key = PyLong_FromVoidPtr(code); /* id(code) */
    if (key == NULL) {
        return NULL;
    }
    PyObject *token = Py_XNewRef(PyDict_GetItemWithError(tables->handler_ids, key));
    Py_DECREF(key);
    return token;
}

/* The handler tokens of `result`'s receivers (new tuple); NULL without an error when one is not
 * known, a pair is not a 2-tuple, or (robust) a receiver returned an exception: record() then
 * records the send, with record_raises. */
static PyObject *
known_handlers(ReceiverTables *tables, PyObject *result)
{
    Py_ssize_t size = PyList_GET_SIZE(result);
    PyObject *handlers = PyTuple_New(size);
    if (handlers == NULL) {
        return NULL;
    }
    for (Py_ssize_t index = 0; index < size; index++) {
        if (index >= PyList_GET_SIZE(result)) { /* changed by code run below: not ours to judge */
            Py_DECREF(handlers);
            return NULL;
        }
        PyObject *pair = Py_NewRef(PyList_GET_ITEM(result, index));
        PyObject *token = NULL;
        if (PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2) {
            int raised = 0;
            if (tables->robust) {
                raised = PyObject_IsInstance(PyTuple_GET_ITEM(pair, 1), PyExc_Exception);
            }
            if (raised == 0) {
                token = known_handler(tables, PyTuple_GET_ITEM(pair, 0));
            }
        }
        Py_DECREF(pair);
        if (token == NULL) {
            Py_DECREF(handlers);
            return NULL;
        }
        PyTuple_SET_ITEM(handlers, index, token);
    }
    return handlers;
}

/* Whether the file of `code` is known and not internal (1), with whether it is the project's;
 * 0 when record() must see the caller first; -1 on an error. */
static int
known_caller_file(ReceiverTables *tables, PyCodeObject *code, int *in_project)
{
    PyObject *info = PyDict_GetItemWithError(tables->files, code->co_filename);
    if (info == NULL || !PyTuple_CheckExact(info) || PyTuple_GET_SIZE(info) != 3) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_INCREF(info);
    int internal = PyObject_IsTrue(PyTuple_GET_ITEM(info, 2));
    int project = internal == 0 ? PyObject_IsTrue(PyTuple_GET_ITEM(info, 1)) : 0;
    Py_DECREF(info);
    if (internal < 0 || project < 0) {
        return -1;
    }
    *in_project = project;
    return !internal;
}

/* The caller's walk counter (id(code) + f_lasti), new reference; NULL without an error when
 * record() has not made one yet. */
static PyObject *
known_walks(ReceiverTables *tables, PyCodeObject *code, int lasti)
{
    PyObject *place = PyLong_FromUnsignedLongLong(
        (unsigned long long)(uintptr_t)code + (unsigned long long)lasti);
    if (place == NULL) {
        return NULL;
    }
    PyObject *walked = Py_XNewRef(PyDict_GetItemWithError(tables->walks, place));
    Py_DECREF(place);
    return walked;
}

/* Step one, reads only: 1 if the send is known (`send` filled), 0 if record() takes it (an
 * Exception met here is dropped: record() meets it again and reports it), -1 on any other
 * error (KeyboardInterrupt from a signal handler: it goes on to the caller). */
static int
look_up_send(ReceiverTables *tables, PyObject *signal, Caller *caller, PyObject *result,
             KnownSend *send)
{
    send->lasti = caller->lasti;
    if (send->lasti < 0) {
        return 0;
    }
    send->code = (PyCodeObject *)Py_NewRef(caller->code);
    int known = known_caller_file(tables, send->code, &send->in_project);
    if (known == 1) {
        PyObject *key = PyLong_FromVoidPtr(signal); /* id(signal) */
        if (key != NULL) {
            send->token = Py_XNewRef(PyDict_GetItemWithError(tables->signal_ids, key));
            Py_DECREF(key);
        }
        if (send->token != NULL) {
            send->handlers = known_handlers(tables, result);
        }
        if (send->handlers != NULL && !send->in_project) {
            send->walked = known_walks(tables, send->code, send->lasti);
        }
        known = send->handlers != NULL && (send->in_project || send->walked != NULL);
    }
    if (known != 1 && PyErr_Occurred()) {
        return dropped_callback_error() ? 0 : -1;
    }
    return known;
}

/* The project frame of a send from outside the project: (id(code), f_lasti) of the first project
 * frame outwards, within the walk's depth, for the first walks_per_site sends from the caller,
 * else None (new reference; NULL on an error). The frame's code is kept in codes. */
static PyObject *
walked_project(FastSend *self, Caller *caller, PyObject *walked, int *settled)
{
    ReceiverTables *tables = &self->receivers;
    PyObject *count = PyIter_Next(walked);
    if (count == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetNone(PyExc_StopIteration);
        }
        return NULL;
    }
    Py_ssize_t walks = PyLong_AsSsize_t(count);
    Py_DECREF(count);
    if (walks == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (walks >= tables->walks_per_site) {
        *settled = 1;
        Py_RETURN_NONE;
    }
    PyFrameObject *back = PyFrame_GetBack((PyFrameObject *)caller_frame(self, caller));
    if (back == NULL && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *outer = PyObject_CallOneArg(
        tables->project_frame, back != NULL ? (PyObject *)back : Py_None);
    Py_XDECREF(back);
    if (outer == NULL || outer == Py_None) {
        return outer;
    }
    if (!PyFrame_Check(outer)) {
        PyErr_SetString(PyExc_TypeError, "project_frame() returned no frame");
        Py_DECREF(outer);
        return NULL;
    }
    PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)outer);
    PyObject *project = NULL;
    PyObject *code_id = PyLong_FromVoidPtr(code);
    PyObject *lasti = PyLong_FromLong(PyFrame_GetLasti((PyFrameObject *)outer));
    if (code_id != NULL && lasti != NULL &&
        PyDict_SetItem(tables->codes, code_id, (PyObject *)code) == 0) {
        project = PyTuple_Pack(2, code_id, lasti);
    }
    Py_XDECREF(code_id);
    Py_XDECREF(lasti);
    Py_DECREF(code);
    Py_DECREF(outer);
    return project;
}

/* Note that `handlers` ran during the running test, if any: tests[(token, handlers)].add(test). */
static int
note_test(ReceiverTables *tables, PyObject *token, PyObject *handlers, KnownSend *send)
{
    PyObject *test = PyObject_GetAttr(tables->recorder, str_current_test);
    if (test == NULL || test == Py_None) {
        Py_XDECREF(test);
        return test == NULL ? -1 : 0;
    }
    int status = -1;
    PyObject *key = PyTuple_Pack(2, token, handlers);
    PyObject *nodes = NULL;
    if (key != NULL) {
        nodes = Py_XNewRef(PyDict_GetItemWithError(tables->tests, key));
        if (nodes == NULL && !PyErr_Occurred()) {
            PyObject *fresh = PySet_New(NULL);
            if (fresh != NULL) {
                nodes = Py_XNewRef(PyDict_SetDefault(tables->tests, key, fresh));
                Py_DECREF(fresh);
            }
        }
    }
    if (nodes != NULL) {
        if (Py_IS_TYPE(nodes, &PySet_Type)) {
            status = PySet_Add(nodes, test);
            if (status == 0) { /* kept for the cache of rows (an exact set only) */
                send->nodes = Py_NewRef(nodes);
                send->test = Py_NewRef(test);
            }
        } else {
            PyObject *done = PyObject_CallMethodOneArg(nodes, str_add, test);
            status = done == NULL ? -1 : 0;
            Py_XDECREF(done);
        }
    }
    Py_XDECREF(nodes);
    Py_XDECREF(key);
    Py_DECREF(test);
    return status;
}

/* next(sends[row]), creating the counter (and keeping the caller's code alive) for a new row. */
static int
bump_row(ReceiverTables *tables, PyObject *row, PyObject *code_id, PyCodeObject *code,
         KnownSend *send)
{
    PyObject *counter = Py_XNewRef(PyDict_GetItemWithError(tables->sends, row));
    if (counter == NULL) {
        if (PyErr_Occurred() || PyDict_SetItem(tables->codes, code_id, (PyObject *)code) < 0) {
            return -1;
        }
        PyObject *fresh = PyObject_CallNoArgs(tables->new_counter);
        if (fresh == NULL) {
            return -1;
        }
        counter = Py_XNewRef(PyDict_SetDefault(tables->sends, row, fresh));
        Py_DECREF(fresh);
        if (counter == NULL) {
            return -1;
        }
    }
    PyObject *count = PyIter_Next(counter);
    if (count == NULL) {
        Py_DECREF(counter);
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_DECREF(count);
    send->counter = counter;
    return 0;
}

/* Step two, writes: count a send look_up_send() knew. 0, or -1 on an error (a fault). */
static int
count_send(FastSend *self, Caller *caller, KnownSend *send)
{
    ReceiverTables *tables = &self->receivers;
    send->settled = send->in_project;
    PyObject *project = send->in_project
                            ? Py_NewRef(Py_True)
                            : walked_project(self, caller, send->walked, &send->settled);
    if (project == NULL) {
        return -1;
    }
    int status = -1;
    PyObject *code_id = PyLong_FromVoidPtr(send->code);
    PyObject *lasti = PyLong_FromLong(send->lasti);
    PyObject *row = NULL;
    if (code_id != NULL && lasti != NULL) {
        row = PyTuple_Pack(
            6, send->token, tables->method, code_id, lasti, project, send->handlers);
    }
    if (row != NULL && note_test(tables, send->token, send->handlers, send) == 0) {
        status = bump_row(tables, row, code_id, send->code, send);
    }
    Py_XDECREF(row);
    Py_XDECREF(code_id);
    Py_XDECREF(lasti);
    Py_DECREF(project);
    return status;
}

static void
clear_loud(LoudEntry *entry)
{
    Py_CLEAR(entry->signal_ref);
    Py_CLEAR(entry->counter);
    Py_CLEAR(entry->nodes);
    Py_CLEAR(entry->last_test);
    entry->code = NULL;
}

/* The first entry of the set of the cache of rows for sends of `signal` from (code, lasti). */
static inline LoudEntry *
loud_set(FastSend *self, PyObject *signal, PyCodeObject *code, int lasti)
{
    return &self->loud[LOUD_WAYS * (quiet_set(signal, code, lasti) % LOUD_SETS)];
}

/* Count a send with receivers from the cache of rows: 1 if counted, 0 if not remembered (nothing
 * done), -1 on an error (while the per-test set or the counter was written: a fault). */
static int
loud_counted(FastSend *self, PyObject *signal, Caller *caller, PyObject *result)
{
    Py_ssize_t size = PyList_GET_SIZE(result);
    LoudEntry *set = loud_set(self, signal, caller->code, caller->lasti);
    LoudEntry *entry = NULL;
    for (int way = 0; way < LOUD_WAYS && entry == NULL; way++) {
        LoudEntry *candidate = &set[way];
        if (candidate->signal_ref != NULL && candidate->code == caller->code &&
            candidate->lasti == caller->lasti && candidate->receivers == size &&
            refers_to(candidate->signal_ref, signal)) {
            entry = candidate;
        }
    }
    if (entry == NULL) {
        return 0;
    }
    for (Py_ssize_t index = 0; index < size; index++) {
        if (index >= PyList_GET_SIZE(result)) { /* changed by code run below */
            return 0;
        }
        PyObject *pair = PyList_GET_ITEM(result, index);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            receiver_code(PyTuple_GET_ITEM(pair, 0)) != entry->handlers[index]) {
            return 0;
        }
        if (self->receivers.robust) {
            Py_INCREF(pair);
            int raised = PyObject_IsInstance(PyTuple_GET_ITEM(pair, 1), PyExc_Exception);
            Py_DECREF(pair);
            if (raised != 0) { /* record() records it, with record_raises */
                PyErr_Clear();
                return 0;
            }
        }
    }
    PyObject *test = PyObject_GetAttr(self->receivers.recorder, str_current_test);
    if (test == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (test != Py_None && test != entry->last_test) {
        if (entry->nodes == NULL) {
            Py_DECREF(test);
            return 0;
        }
        if (PySet_Add(entry->nodes, test) < 0) {
            Py_DECREF(test);
            return -1;
        }
        Py_XSETREF(entry->last_test, Py_NewRef(test));
    }
    Py_DECREF(test);
    PyObject *count = PyIter_Next(entry->counter);
    if (count == NULL) {
        return PyErr_Occurred() ? -1 : 1;
    }
    Py_DECREF(count);
    self->loud_hits++;
    return 1;
}

/* Remember the row count_send() just counted, if its project part is settled, in the first way
 * of its set (the other ways moved down one, the last one's entry forgotten). */
static void
remember_loud(FastSend *self, PyObject *signal, Caller *caller, PyObject *result, KnownSend *send)
{
    Py_ssize_t size = PyList_GET_SIZE(result);
    if (!send->settled || send->counter == NULL || size > LOUD_RECEIVERS ||
        size != PyTuple_GET_SIZE(send->handlers)) {
        return;
    }
    PyCodeObject *handlers[LOUD_RECEIVERS];
    for (Py_ssize_t index = 0; index < size; index++) {
        PyObject *pair = PyList_GET_ITEM(result, index);
        handlers[index] = PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2
                              ? receiver_code(PyTuple_GET_ITEM(pair, 0))
                              : NULL;
        if (handlers[index] == NULL || size != PyList_GET_SIZE(result)) {
            return;
        }
    }
    PyObject *ref = PyWeakref_NewRef(signal, NULL);
    if (ref == NULL) {
        PyErr_Clear();
        return;
    }
    LoudEntry *set = loud_set(self, signal, caller->code, caller->lasti);
    LoudEntry old = set[LOUD_WAYS - 1];
    memmove(&set[1], &set[0], (LOUD_WAYS - 1) * sizeof(LoudEntry));
    LoudEntry *entry = &set[0];
    entry->signal_ref = ref;
    entry->code = caller->code;
    entry->lasti = caller->lasti;
    entry->receivers = size;
    memcpy(entry->handlers, handlers, (size_t)size * sizeof(PyCodeObject *));
    entry->counter = Py_NewRef(send->counter);
    entry->nodes = Py_XNewRef(send->nodes);
    entry->last_test = Py_XNewRef(send->test);
    clear_loud(&old);
}

/* A send that ran receivers: 1 if counted here, 0 if record() must take it, -1 on an error
 * (an Exception: a fault of the recording, to report; anything else goes on to the caller). */
static int
record_receivers(FastSend *self, PyObject *signal, Caller *caller, PyObject *result)
{
    int counted = loud_counted(self, signal, caller, result);
    if (counted != 0) {
        return counted;
    }
    KnownSend send = {NULL, 0, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL};
    int known = look_up_send(&self->receivers, signal, caller, result, &send);
    if (known == 1) {
        known = count_send(self, caller, &send) == 0 ? 1 : -1;
        if (known == 1) {
            remember_loud(self, signal, caller, result, &send);
        }
    }
    forget_send(&send);
    return known;
}

/* Hand a fault of the C receiver path to the Python fault(exception), as record() reports its
 * own; 0, or -1 when the error is no Exception (or fault() let one out that is not): it goes on
 * to the caller. */
static int
report_fault(FastSend *self)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return -1;
    }
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL && value != NULL) {
        PyException_SetTraceback(value, traceback);
    }
    PyObject *done = PyObject_CallOneArg(self->receivers.fault, value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    if (done == NULL) {
        return dropped_callback_error() ? 0 : -1;
    }
    Py_DECREF(done);
    return 0;
}

static PyObject *
fastsend_vectorcall(FastSend *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (self->watched != NULL && PyDict_GET_SIZE(self->watched) > 0 && self->active &&
        PyVectorcall_NARGS(nargsf) >= 1) {
        note_sender(self, args, PyVectorcall_NARGS(nargsf), kwnames);
    }
    Nesting *state = &nesting;
    long outer = nesting_push(state, PyVectorcall_NARGS(nargsf) >= 1 ? args[0] : NULL);
    PyObject *result = PyObject_Vectorcall(self->original, args, nargsf, kwnames);
    state->depth = outer;
    if (PyVectorcall_NARGS(nargsf) < 1 || !self->active) {
        return result;
    }
    PyObject *signal = args[0];
    Caller site;
    int found = find_caller(&site);
    if ((outer > 0 || asends_in_flight > 0) && result != NULL &&
        report_nested(self, signal, caller_frame(self, &site), outer) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    if (result == NULL) {
        if (self->failed != Py_None) {
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (traceback != NULL && value != NULL) {
                PyException_SetTraceback(value, traceback);
            }
            PyObject *done = PyObject_CallFunctionObjArgs(
                self->failed, signal, caller_frame(self, &site), value ? value : Py_None, NULL);
            if (done == NULL && !dropped_callback_error()) {
                /* raised while the send's error is handled: chained to it, as in Python */
                PyObject *type2, *value2, *traceback2;
                PyErr_Fetch(&type2, &value2, &traceback2);
                PyErr_NormalizeException(&type2, &value2, &traceback2);
                if (traceback2 != NULL) {
                    PyException_SetTraceback(value2, traceback2);
                }
                if (value != NULL && value2 != NULL && value2 != value) {
                    PyException_SetContext(value2, Py_NewRef(value));
                }
                PyErr_Restore(type2, value2, traceback2);
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(traceback);
                return NULL;
            }
            Py_XDECREF(done);
            PyErr_Restore(type, value, traceback);
        }
        return NULL;
    }
    int ran = PyList_CheckExact(result) && PyList_GET_SIZE(result) > 0;
    if (found && ran && self->receivers.method != NULL) {
        int counted = record_receivers(self, signal, &site, result);
        if (counted < 0 && report_fault(self) < 0) {
            Py_DECREF(result);
            return NULL;
        }
        if (counted != 0) {
            return result;
        }
    }
    if (found && !ran && site.lasti >= 0) {
        PyObject *counter = quiet_counter(self, signal, site.code, site.lasti);
        if (counter != NULL) {
            PyObject *count = PyIter_Next(counter);
            if (count != NULL) {
                Py_DECREF(count);
                return result;
            }
        }
        if (PyErr_Occurred()) {
            PyErr_Clear(); /* then the Python side records it (and reports a fault) */
        }
    }
    PyObject *done = PyObject_CallFunctionObjArgs(
        self->record, signal, caller_frame(self, &site), result, NULL);
    if (done == NULL && !dropped_callback_error()) {
        Py_DECREF(result);
        return NULL;
    }
    Py_XDECREF(done);
    return result;
}

/* Fill `receivers` from a send_patch.ReceiverTables (borrowed: the tuple is kept). */
static int
parse_receiver_tables(PyObject *tables, ReceiverTables *receivers)
{
    if (!PyTuple_Check(tables)) {
        PyErr_SetString(PyExc_TypeError, "FastSend: receivers must be a ReceiverTables");
        return -1;
    }
    if (!PyArg_ParseTuple(
            tables, "UpO!O!O!O!nOO!O!O!OOO:ReceiverTables", &receivers->method, &receivers->robust,
            &PyDict_Type, &receivers->files, &PyDict_Type, &receivers->signal_ids, &PyDict_Type,
            &receivers->handler_ids, &PyDict_Type, &receivers->walks, &receivers->walks_per_site,
            &receivers->project_frame, &PyDict_Type, &receivers->sends, &PyDict_Type,
            &receivers->codes, &PyDict_Type, &receivers->tests, &receivers->recorder,
            &receivers->new_counter, &receivers->fault)) {
        return -1;
    }
    if (!PyCallable_Check(receivers->project_frame) || !PyCallable_Check(receivers->new_counter) ||
        !PyCallable_Check(receivers->fault)) {
        PyErr_SetString(PyExc_TypeError, "FastSend: ReceiverTables functions must be callable");
        return -1;
    }
    return 0;
}

static PyObject *
fastsend_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *original, *live, *record, *failed, *tables = Py_None, *nested = Py_None;
    ReceiverTables receivers = {0};
    static char *keywords[] = {"original", "live", "record", "failed", "receivers", "nested", NULL};
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "OO!OO|OO:FastSend", keywords, &original, &PyDict_Type, &live, &record,
            &failed, &tables, &nested)) {
        return NULL;
    }
    if (tables != Py_None && parse_receiver_tables(tables, &receivers) < 0) {
        return NULL;
    }
    if (!PyCallable_Check(original) || !PyCallable_Check(record)) {
        PyErr_SetString(PyExc_TypeError, "FastSend: original and record must be callable");
        return NULL;
    }
    FastSend *self = (FastSend *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->vectorcall = (vectorcallfunc)fastsend_vectorcall;
    self->original = Py_NewRef(original);
    self->live = Py_NewRef(live);
    self->record = Py_NewRef(record);
    self->failed = Py_NewRef(failed);
    self->tables = Py_NewRef(tables);
    self->receivers = receivers;
    self->nested = Py_NewRef(nested);
    self->dict = NULL;
    self->weakrefs = NULL;
    self->active = 1;
    self->watched = NULL;
    self->note = NULL;
    memset(self->unwatched, 0, sizeof(self->unwatched));
    self->unwatched_generation = 0;
    self->quiet_hits = 0;
    self->unwatched_hits = 0;
    self->loud_hits = 0;
    self->frames_made = 0;
    return (PyObject *)self;
}

/* watch_senders(watched, note): call note(signal, sender) for sends of the signals in the dict
 * watched (by id), before the send (see note_sender). */
static PyObject *
fastsend_watch_senders(FastSend *self, PyObject *args)
{
    PyObject *watched, *note;
    if (!PyArg_ParseTuple(args, "O!O:watch_senders", &PyDict_Type, &watched, &note)) {
        return NULL;
    }
    if (!PyCallable_Check(note)) {
        PyErr_SetString(PyExc_TypeError, "watch_senders: note must be callable");
        return NULL;
    }
    Py_XSETREF(self->watched, Py_NewRef(watched));
    Py_XSETREF(self->note, Py_NewRef(note));
    Py_RETURN_NONE;
}

static int
fastsend_traverse(FastSend *self, visitproc visit, void *arg)
{
    Py_VISIT(self->original);
    Py_VISIT(self->live);
    Py_VISIT(self->record);
    Py_VISIT(self->failed);
    Py_VISIT(self->tables);
    Py_VISIT(self->nested);
    Py_VISIT(self->dict);
    Py_VISIT(self->watched);
    Py_VISIT(self->note);
    for (int index = 0; index < QUIET_CACHE; index++) {
        Py_VISIT(self->quiet[index].signal_ref);
        Py_VISIT(self->quiet[index].counter);
    }
    for (int index = 0; index < LOUD_CACHE; index++) {
        Py_VISIT(self->loud[index].signal_ref);
        Py_VISIT(self->loud[index].counter);
        Py_VISIT(self->loud[index].nodes);
        Py_VISIT(self->loud[index].last_test);
    }
    return 0;
}

static int
fastsend_clear(FastSend *self)
{
    Py_CLEAR(self->original);
    Py_CLEAR(self->live);
    Py_CLEAR(self->record);
    Py_CLEAR(self->failed);
    Py_CLEAR(self->nested);
    Py_CLEAR(self->dict);
    Py_CLEAR(self->watched);
    Py_CLEAR(self->note);
    for (int index = 0; index < QUIET_CACHE; index++) {
        Py_CLEAR(self->quiet[index].signal_ref);
        Py_CLEAR(self->quiet[index].counter);
        self->quiet[index].code = NULL;
    }
    for (int index = 0; index < LOUD_CACHE; index++) {
        clear_loud(&self->loud[index]);
    }
    self->receivers.method = NULL; /* the borrowed tables go: the receiver path is off */
    Py_CLEAR(self->tables);
    return 0;
}

static void
fastsend_dealloc(FastSend *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    fastsend_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A function's binding: obj.send is a bound method (the interpreter's method call skips it). */
static PyObject *
fastsend_descr_get(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

/* As a function's: copy.copy() and deepcopy() return it, pickle saves it by qualified name. */
static PyObject *
fastsend_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef nesting_functions[] = {
    {"nesting_enter", nesting_enter, METH_O, "Count a traced send of a signal started: the depth before."},
    {"nesting_depth", nesting_current, METH_NOARGS, "How many traced sends run in this thread."},
    {"nesting_leave", nesting_leave, METH_NOARGS, "Count a traced send finished."},
    {"nesting_asend", nesting_asend, METH_O, "Add to the asends in flight; the new number."},
    {"senders_watched", senders_watched, METH_NOARGS,
     "A signal starts being watched for its senders: forget the signals found not watched."},
    {"unwatched_set", unwatched_set_of, METH_O,
     "unwatched_set(signal): the set of the not-watched memo for it (for the tests)."},
    {"quiet_set", quiet_set_of, METH_VARARGS,
     "quiet_set(signal, code, lasti): the set of the quiet cache for that send (for the tests)."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef fastsend_methods[] = {
    {"__reduce__", fastsend_reduce, METH_NOARGS, NULL},
    {"watch_senders", (PyCFunction)fastsend_watch_senders, METH_VARARGS,
     "watch_senders(watched, note): note the senders of the watched signals' sends."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef fastsend_members[] = {
    {"active", T_BOOL, offsetof(FastSend, active), 0, "False once the patch is removed."},
    {"original", T_OBJECT, offsetof(FastSend, original), READONLY, "The original send."},
    {"quiet_hits", T_PYSSIZET, offsetof(FastSend, quiet_hits), READONLY,
     "Quiet sends counted from the cache of the last quiet counters."},
    {"loud_hits", T_PYSSIZET, offsetof(FastSend, loud_hits), READONLY,
     "Sends with receivers counted from the cache of the last rows."},
    {"unwatched_hits", T_PYSSIZET, offsetof(FastSend, unwatched_hits), READONLY,
     "Sends whose signal was remembered as not watched for its senders."},
    {"frames_made", T_PYSSIZET, offsetof(FastSend, frames_made), READONLY,
     "Caller frame objects asked for (for the Python side, a walk, or without frame records)."},
    {NULL},
};

static PyGetSetDef fastsend_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

static PyTypeObject FastSendType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytest_signaltrace.trace._fastsend.FastSend",
    .tp_doc = PyDoc_STR(
        "FastSend(original, live, record, failed, receivers=None, nested=None): a recording send "
        "method whose no-receiver path, and with receivers its receiver path, runs in C."),
    .tp_basicsize = sizeof(FastSend),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_new = fastsend_new,
    .tp_dealloc = (destructor)fastsend_dealloc,
    .tp_traverse = (traverseproc)fastsend_traverse,
    .tp_clear = (inquiry)fastsend_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FastSend, vectorcall),
    .tp_descr_get = fastsend_descr_get,
    .tp_dictoffset = offsetof(FastSend, dict),
    .tp_weaklistoffset = offsetof(FastSend, weakrefs),
    .tp_methods = fastsend_methods,
    .tp_members = fastsend_members,
    .tp_getset = fastsend_getset,
};

static struct PyModuleDef fastsend_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pytest_signaltrace.trace._fastsend",
    .m_doc = "The send patch's common paths in C (optional; see trace/patches.py).",
    .m_size = -1,
    .m_methods = nesting_functions,
};

/* functools.partial and the interned names the receiver path uses. */
static int
init_receiver_path(void)
{
    PyObject *functools = PyImport_ImportModule("functools");
    if (functools == NULL) {
        return -1;
    }
    partial_type = PyObject_GetAttrString(functools, "partial");
    Py_DECREF(functools);
    str_func = PyUnicode_InternFromString("func");
    str_current_test = PyUnicode_InternFromString("current_test");
    str_add = PyUnicode_InternFromString("add");
    if (partial_type == NULL || str_func == NULL || str_current_test == NULL || str_add == NULL) {
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC
PyInit__fastsend(void)
{
    if (PyType_Ready(&FastSendType) < 0 || init_receiver_path() < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&fastsend_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "FastSend", (PyObject *)&FastSendType) < 0 ||
        PyModule_AddObjectRef(module, "FRAME_RECORDS", FRAME_RECORDS ? Py_True : Py_False) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
