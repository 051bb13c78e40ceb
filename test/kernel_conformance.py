"""Jupyter protocol conformance of the project kernel (tslab-workbook).

Run with Debian's Python (it has jupyter_client, jupyter_kernel_test, nbclient):
    JUPYTER_PATH=/work/main/jupyter /usr/bin/python3 test/kernel_conformance.py -v [TestClass ...]
test/kernel-protocol.test.ts runs it under vitest. Three groups, each with its
own kernel: KernelConformance (jupyter_kernel_test's suite plus our additions),
Interrupt (SIGINT through KernelManager.interrupt_kernel), AsyncErrors (errors
from work a cell did not await) and NotebookErrors (nbclient shows a real error
with a stack).
"""
import os
import re
import sys
import time
import unittest
from queue import Empty

try:
    import jupyter_kernel_test as jkt
    from jupyter_client.manager import start_new_kernel
    from jupyter_kernel_test.msgspec_v5 import validate_message
except ImportError as e:  # the vitest wrapper turns this into an install hint
    print(f"MISSING-DEPENDENCY: {e}", file=sys.stderr)
    sys.exit(3)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL = "tslab-workbook"
# Kernels start in the project root, like `npm start` does.
os.chdir(ROOT)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
DISPLAY = 'Symbol.for("Jupyter.display")'


def run_cell(kc, code, timeout=60, **kw):
    """Execute `code`; return (reply, iopub messages of that request except status)."""
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    validate_message(reply, "execute_reply", msg_id)
    msgs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        validate_message(msg)
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        msgs.append(msg)
    return reply, msgs


def of_type(msgs, t):
    return [m for m in msgs if m["msg_type"] == t]


class KernelConformance(jkt.KernelTests):
    kernel_name = KERNEL
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    completion_samples = [{"text": "Math.ma", "matches": {"max"}}]
    complete_code_samples = ["1", 'console.log("x")', "function f(): number { return 1; }"]
    incomplete_code_samples = ["function f() {", "const a = [1,", "if (true) {"]
    code_inspect_sample = "Math.max"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        # Strings print as console.log would (tslab's old behaviour), not quoted.
        {"code": '"ab" + "c"', "result": "abc"},
        # Objects may offer a richer MIME bundle (Deno's Jupyter convention).
        {"code": f'({{ [{DISPLAY}]() {{ return {{ "text/html": "<b>rich</b>" }}; }} }})',
         "mime": "text/html", "result": "<b>rich</b>"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import { show } from "./lib/display";\nshow.html("<i>lib</i>")', "mime": "text/html"},
    ]
    code_history_pattern = "6?7"
    supported_history_operations = ("tail", "range", "search")

    # --- beyond jupyter_kernel_test ---------------------------------------

    def test_kernel_info_fields(self):
        self.flush_channels()
        msg_id = self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=15)
        validate_message(reply, "kernel_info_reply", msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "ok")
        self.assertRegex(c["language_info"]["version"], r"^\d+\.\d+")
        self.assertRegex(c["implementation_version"], r"^\d+\.\d+")
        # No debugger, said the same way by the reply and the kernelspec, so frontends do not try one.
        from jupyter_client.kernelspec import KernelSpecManager
        self.assertIs(c.get("debugger"), False)
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        self.assertIs(spec.metadata.get("debugger"), c["debugger"])

    def test_error_content(self):
        self.flush_channels()
        reply, msgs = run_cell(self.kc, 'function inner(): never { throw new TypeError("boom"); }\ninner();')
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "TypeError")
        self.assertEqual(c["evalue"], "boom")
        self.assertIsInstance(c["execution_count"], int)
        [err] = of_type(msgs, "error")
        self.assertEqual(err["content"]["ename"], "TypeError")
        tb = [ANSI.sub("", line) for line in err["content"]["traceback"]]
        self.assertEqual(tb[0], "TypeError: boom")
        self.assertTrue(any(re.match(r"\s+at inner \(", line) for line in tb), tb)
        # Kernel internals (vm, tslab, this patch layer) are not part of the user's stack.
        self.assertFalse(any("tslab/dist" in line or "node:vm" in line or "tslab-patches" in line for line in tb), tb)
        # The message is not duplicated on stderr.
        self.assertEqual(of_type(msgs, "stream"), [])

    def test_error_custom_class_and_non_error(self):
        self.flush_channels()
        reply, _ = run_cell(self.kc, 'class ShapeError extends Error {}\nthrow new ShapeError("bad shape")')
        self.assertEqual((reply["content"]["ename"], reply["content"]["evalue"]), ("ShapeError", "bad shape"))
        reply, msgs = run_cell(self.kc, 'throw "just a string"')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("just a string", reply["content"]["evalue"])
        self.assertEqual(len(of_type(msgs, "error")), 1)

    def test_compile_error_has_cell_line_and_column(self):
        self.flush_channels()
        reply, msgs = run_cell(self.kc, 'const ok = 1;\nconst n: number = "text";')
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "TSError")
        self.assertIn("line 2, column 7", c["evalue"])
        self.assertIn("TS2322", c["evalue"])
        tb = "\n".join(of_type(msgs, "error")[0]["content"]["traceback"])
        self.assertIn('const n: number = "text";', tb)
        self.assertIn("is not assignable to type 'number'", ANSI.sub("", tb))

    def test_stack_frames_point_at_typescript_lines(self):
        # Cell frames say "cell [n]:line:col" of the TypeScript the user wrote
        # (type-only lines and comments included), then show that line.
        self.flush_channels()
        code = ('import { checkSquare } from "./test/fixtures/kernel-throws";\n'
                'interface P { x: number }\n\n/** doc */\nconst p: P = { x: 1 };\n\n'
                'function f(q: P): number {\n  // why\n  throw new Error("in f");\n}\nf(p);')
        reply, msgs = run_cell(self.kc, code)
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertEqual(tb[0], "Error: in f")
        self.assertEqual(tb[1].strip(), f"at f (cell [{n}]:9:9)")
        self.assertEqual(tb[2].strip(), 'throw new Error("in f");')
        self.assertEqual(tb[3].strip(), f"at cell [{n}]:11:1")
        self.assertEqual(tb[4].strip(), "f(p);")
        self.assertEqual(len(tb), 5, tb)  # no kernel frames

        # An imported .ts module maps to its own file, line and column.
        reply, msgs = run_cell(self.kc, 'import { checkSquare } from "./test/fixtures/kernel-throws";\n\ncheckSquare({ rows: 2, cols: 3 });')
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertEqual(tb[0], "RangeError: not square: 2x3")
        # Thrown outside the cell: the cell's line leads (V8 points at the call's "(" for
        # imported functions: `checkSquare(` -> column 12), then the stack.
        self.assertEqual(tb[1], f"--> cell [{n}]:3:12")
        self.assertEqual(tb[2].strip(), "checkSquare({ rows: 2, cols: 3 });")
        self.assertEqual(tb[3].strip(), "at checkSquare (test/fixtures/kernel-throws.ts:7:11)")
        self.assertEqual(tb[4].strip(), "throw new RangeError(`not square: ${s.rows}x${s.cols}`);")
        self.assertEqual(tb[5].strip(), f"at cell [{n}]:3:12")
        self.assertEqual(len(tb), 6, tb)

    def assert_readable(self, tb):
        """No compiled positions, tslab bookkeeping or library file paths in a traceback."""
        for line in tb:
            self.assertNotRegex(line, r"JS \d+:\d+|compiled line|__tslab|\bexports\.|_1\.|node_modules", tb)

    def test_library_error_shows_the_cell_line_and_folds_library_frames(self):
        # A shape error raised ten frames deep in tfjs: the learner's line comes first.
        self.flush_channels()
        reply, msgs = run_cell(self.kc, 'import * as tf from "@tensorflow/tfjs";\nconst a = tf.ones([2, 3]);\nconst b = tf.ones([4, 5]);')
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        reply, msgs = run_cell(self.kc, "// shapes that do not fit\nconst c = tf.matMul(a, b);")
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertRegex(tb[0], r"^Error: Error in matMul: inner shapes \(3\) and \(4\)")
        self.assertEqual(tb[1], f"--> cell [{n}]:2:14")
        self.assertEqual(tb[2].strip(), "const c = tf.matMul(a, b);")
        self.assertRegex(tb[3], r"^\s+… \d+ frames in @tensorflow/tfjs-core\b")
        self.assertEqual(tb[4].strip(), f"at cell [{n}]:2:14")
        self.assertEqual(len(tb), 5, tb)
        self.assert_readable(tb)

    def test_lib_train_errors_map_cell_and_lib_to_typescript(self):
        # tslab compiles lib/*.ts too: lib frames get .ts positions and source lines, and a
        # multi-line call using names from earlier cells maps to the cell's TypeScript.
        self.flush_channels()
        setup = ('import * as tf from "@tensorflow/tfjs";\nimport { buildAutoencoder } from "./lib/models/autoencoder";\n'
                 'const ae = buildAutoencoder({ imageSize: 16, filters: [4, 8] });\n'
                 'const trainSet = { images: tf.randomUniform([32, 8, 8, 1]) };\nconst good = tf.randomUniform([16, 16, 16, 1]);')
        reply, _ = run_cell(self.kc, setup, timeout=120)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        code = ('import { train } from "./lib/train/train";\n// images of the wrong size\nconst epochs = 1;\n\n'
                'await train(ae, trainSet.images, {\n  epochs, batchSize: 8,\n  progress: false,\n});')
        reply, msgs = run_cell(self.kc, code, timeout=120)
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertRegex(tb[0], r"^Error: train: .*shape \[8,8,1\]")
        self.assertEqual(tb[1], f"--> cell [{n}]:5:12")
        self.assertEqual(tb[2].strip(), "await train(ae, trainSet.images, {")
        i = next(k for k, line in enumerate(tb) if re.match(r"\s+at train \(", line))
        self.assertRegex(tb[i].strip(), r"^at train \(lib/train/train\.ts:\d+:\d+\)$")
        self.assertRegex(tb[i + 1], r"^\s{8}\S")  # its TypeScript source line
        self.assertEqual(tb[-1].strip(), f"at cell [{n}]:5:12")
        self.assert_readable(tb)

        # Thrown after training's first await: the cell's frame is an async one.
        # (A failing cell's imports are not kept, so this one imports train again.)
        code = ('import { train } from "./lib/train/train";\nawait train(ae, good, {\n  epochs: 1, batchSize: 8, progress: false,\n'
                '  onEpochEnd: () => { throw new Error("callback failed"); },\n});')
        reply, msgs = run_cell(self.kc, code, timeout=120)
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertEqual(tb[0], "Error: callback failed")
        self.assertEqual(tb[1].strip(), f"at Object.onEpochEnd (cell [{n}]:4:29)")
        self.assertEqual(tb[2].strip(), 'onEpochEnd: () => { throw new Error("callback failed"); },')
        self.assertRegex(tb[3].strip(), r"^at train \(lib/train/train\.ts:\d+:\d+\)$")
        self.assertEqual(tb[5].strip(), f"at async cell [{n}]:2:1")
        self.assertEqual(tb[6].strip(), "await train(ae, good, {")
        self.assert_readable(tb)

    def test_async_cell_frames(self):
        self.flush_channels()
        reply, msgs = run_cell(self.kc, 'await new Promise((r) => setTimeout(r, 5));\nconst o: any = null;\no.field;')
        n = reply["content"]["execution_count"]
        tb = [ANSI.sub("", line) for line in of_type(msgs, "error")[0]["content"]["traceback"]]
        self.assertEqual(reply["content"]["ename"], "TypeError")
        self.assertEqual(tb[1].strip(), f"at cell [{n}]:3:3")
        self.assertEqual(tb[2].strip(), "o.field;")

    def test_execution_count_increments(self):
        self.flush_channels()
        r1, m1 = run_cell(self.kc, "1 + 1")
        r2, m2 = run_cell(self.kc, "2 + 2")
        n1, n2 = r1["content"]["execution_count"], r2["content"]["execution_count"]
        self.assertEqual(n2, n1 + 1)
        self.assertEqual(of_type(m2, "execute_input")[0]["content"]["execution_count"], n2)
        self.assertEqual(of_type(m2, "execute_result")[0]["content"]["execution_count"], n2)
        # store_history=False and silent=True do not advance the counter.
        r3, _ = run_cell(self.kc, "3", store_history=False)
        r4, m4 = run_cell(self.kc, "4", silent=True)
        self.assertEqual(m4, [])
        r5, _ = run_cell(self.kc, "5")
        self.assertEqual(r5["content"]["execution_count"], n2 + 1)

    def test_fast_displays_all_arrive_in_order(self):
        # zeromq 6 answers 512 sends in a row at once, then delays one and rejects any send while it
        # is in flight ("Socket is busy writing"); the kernel queues each socket's sends instead.
        self.flush_channels()
        n = 1500
        code = ('import * as tslab from "tslab";\n'
                f'for (let i = 0; i < {n}; i++) tslab.display.html(`<p>${{i}}</p>`);')
        reply, msgs = run_cell(self.kc, code, timeout=120)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(of_type(msgs, "error"), [])
        shown = [m["content"]["data"]["text/html"] for m in of_type(msgs, "display_data")]
        self.assertEqual(shown, [f"<p>{i}</p>" for i in range(n)])

    def test_statement_has_no_result(self):
        self.flush_channels()
        reply, msgs = run_cell(self.kc, "let unusedVar = 3;")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(of_type(msgs, "execute_result"), [])

    def _throw_then_queue(self, **execute_kwargs):
        """Send a throwing cell and, right behind it, `40 + 2`; return both reply statuses."""
        self.flush_channels()
        kc = self.kc
        a = kc.execute('throw new Error("first")', **execute_kwargs)
        b = kc.execute("40 + 2")
        replies = {}
        while len(replies) < 2:
            r = kc.get_shell_msg(timeout=30)
            replies[r["parent_header"]["msg_id"]] = r["content"]
        self.flush_channels()
        return replies[a]["status"], replies[b]["status"]

    def test_stop_on_error_false_keeps_queue(self):
        self.assertEqual(self._throw_then_queue(stop_on_error=False), ("error", "ok"))

    def test_stop_on_error_aborts_queued(self):
        self.assertEqual(self._throw_then_queue(), ("error", "aborted"))

    def test_comm_info(self):
        self.flush_channels()
        msg_id = self.kc.comm_info()
        reply = self.kc.get_shell_msg(timeout=15)
        validate_message(reply, "comm_info_reply", msg_id)


class OwnKernel(unittest.TestCase):
    """One kernel of the project kernelspec for the whole class (self.km manager, self.kc client)."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=KERNEL)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()


class Interrupt(OwnKernel):
    """SIGINT (kernelspec interrupt_mode "signal") stops a cell; the kernel lives on."""

    def wait_started(self, msg_id):
        """Block until the kernel announces the cell (execute_input), so SIGINT hits a running cell."""
        while True:
            m = self.kc.get_iopub_msg(timeout=60)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
                return

    def interrupt_after(self, code, seconds=1.0):
        msg_id = self.kc.execute(code)
        self.wait_started(msg_id)
        time.sleep(seconds)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:  # e.g. the startup kernel_info_reply
            reply = self.kc.get_shell_msg(timeout=30)
        return reply["content"]

    def assert_usable(self):
        reply, msgs = run_cell(self.kc, "6 * 7", timeout=30)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "42")

    def test_async_loop(self):
        # A training-loop shape: work, then yield to the event loop, forever.
        c = self.interrupt_after(
            "globalThis.ticks = 0;\n"
            "for (let i = 0; i < 1e9; i++) { globalThis.ticks++; await new Promise((r) => setImmediate(r)); }")
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "KeyboardInterrupt")
        self.assert_usable()
        # The loop really stopped: its counter no longer moves.
        r1, m1 = run_cell(self.kc, "globalThis.ticks")
        time.sleep(0.5)
        r2, m2 = run_cell(self.kc, "globalThis.ticks")
        t1 = of_type(m1, "execute_result")[0]["content"]["data"]["text/plain"]
        t2 = of_type(m2, "execute_result")[0]["content"]["data"]["text/plain"]
        self.assertGreater(int(t1), 100)
        self.assertEqual(t1, t2)

    def test_async_timer_loop(self):
        c = self.interrupt_after(
            "while (true) { await new Promise((r) => setTimeout(r, 5)); }")
        self.assertEqual(c["ename"], "KeyboardInterrupt")
        self.assert_usable()

    def test_sync_loop_without_await(self):
        # Plain synchronous code runs under vm's breakOnSigint, so it stops too.
        c = self.interrupt_after("let spins = 0;\nwhile (true) { spins++; }")
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "KeyboardInterrupt")
        self.assert_usable()

    def test_cell_with_own_sigint_handler_stops_itself(self):
        # Such code gets the interrupt and stops cleanly; its finally blocks run.
        c = self.interrupt_after(
            "let stopFlag = false;\nconst onInt = () => { stopFlag = true; };\nprocess.on(\"SIGINT\", onInt);\n"
            "globalThis.cleaned = false;\n"
            "try {\n  while (!stopFlag) await new Promise((r) => setImmediate(r));\n  throw new Error(\"stopped cleanly\");\n"
            "} finally {\n  process.off(\"SIGINT\", onInt);\n  globalThis.cleaned = true;\n}")
        self.assertEqual((c["ename"], c["evalue"]), ("Error", "stopped cleanly"))
        reply, msgs = run_cell(self.kc, "globalThis.cleaned")
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "true")

    def test_second_interrupt_forces_a_stuck_cell(self):
        msg_id = self.kc.execute(
            "const ignore = () => {};\nprocess.on(\"SIGINT\", ignore);\n"
            "try { while (true) await new Promise((r) => setTimeout(r, 5)); } finally { process.off(\"SIGINT\", ignore); }")
        self.wait_started(msg_id)
        time.sleep(1.0)
        self.km.interrupt_kernel()
        with self.assertRaises(Empty):  # the cell claimed the first interrupt and ignored it
            self.kc.get_shell_msg(timeout=1.5)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.assert_usable()

    def test_training_loop_interrupt(self):
        # lib/train handles SIGINT between steps: TrainingInterrupted, and the model trains again.
        setup = ('import { initBackend } from "./lib/engine/backend";\nawait initBackend({ quiet: true });\n'
                 'import * as tf from "@tensorflow/tfjs";\nimport { buildAutoencoder } from "./lib/models/autoencoder";\n'
                 'import { train } from "./lib/train/train";\n'
                 'const ae = buildAutoencoder({ imageSize: 16, filters: [4, 8] });\n'
                 'const xs = tf.randomUniform([32, 16, 16, 1]);')
        reply, _ = run_cell(self.kc, setup, timeout=120)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        c = self.interrupt_after("await train(ae, xs, { epochs: 100000, batchSize: 8, progress: false });", seconds=3)
        self.assertEqual(c["ename"], "TrainingInterrupted", c)
        reply, msgs = run_cell(self.kc, '(await train(ae, xs, { epochs: 1, batchSize: 8, progress: false })).status', timeout=120)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "completed")

    def test_interrupt_request_message(self):
        # interrupt_mode "message" clients send interrupt_request on the control channel.
        msg_id = self.kc.execute("while (true) await new Promise((r) => setImmediate(r));")
        self.wait_started(msg_id)
        time.sleep(0.5)
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(req)
        ctl = self.kc.get_control_msg(timeout=30)
        validate_message(ctl, "interrupt_reply", req["header"]["msg_id"])
        reply = self.kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        self.assert_usable()

    def test_interrupt_when_idle_is_harmless(self):
        self.km.interrupt_kernel()
        time.sleep(0.2)
        self.assert_usable()


class AsyncErrors(OwnKernel):
    """Errors from work a cell started and did not await show under that cell and fail something."""

    def late_error(self, msg_id, timeout=10):
        """The `error` iopub message with parent `msg_id` that arrives after that request finished."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=0.5)
            except Empty:
                continue
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "error":
                validate_message(m)
                return m["content"]
        self.fail(f"no late error for {msg_id}")

    def tb(self, content):
        return [ANSI.sub("", line) for line in content["traceback"]]

    def test_timer_error_after_the_cell_shows_under_it_and_fails_the_next_request(self):
        reply, msgs = run_cell(self.kc, 'setTimeout(() => { throw new Error("late boom"); }, 200);\nconsole.log("scheduled");')
        self.assertEqual(reply["content"]["status"], "ok")
        n = reply["content"]["execution_count"]
        late = self.late_error(reply["parent_header"]["msg_id"])
        self.assertEqual((late["ename"], late["evalue"]), ("Error", "late boom"))
        tb = self.tb(late)
        self.assertEqual(tb[0], f"In work started by cell [{n}], an exception was thrown in a timer or callback, after the cell had finished:")
        self.assertEqual(tb[1], "Error: late boom")
        self.assertEqual(tb[2].strip(), f"at Timeout.<anonymous> (cell [{n}]:1:26)")
        # The next request reports it and does not run; the one after runs.
        reply, msgs = run_cell(self.kc, "globalThis.ranAfterLateError = true;\n1 + 1")
        c = reply["content"]
        self.assertEqual((c["status"], c["ename"], c["evalue"]), ("error", "Error", "late boom"))
        m = c["execution_count"]
        self.assertTrue(c["traceback"][0].startswith(f"Cell [{m}] did not run: work started by cell [{n}] failed after that cell had finished"), c["traceback"])
        self.assertEqual(of_type(msgs, "execute_result"), [])
        self.assertEqual(len(of_type(msgs, "error")), 1)
        reply, msgs = run_cell(self.kc, "typeof (globalThis as any).ranAfterLateError")
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "undefined")

    def test_unawaited_train_that_rejects_fails_its_own_cell(self):
        setup = ('import * as tf from "@tensorflow/tfjs";\nimport { buildAutoencoder } from "./lib/models/autoencoder";\n'
                 'import { train } from "./lib/train/train";\n'
                 'const ae = buildAutoencoder({ imageSize: 16, filters: [4, 8] });\nconst small = tf.randomUniform([8, 8, 8, 1]);')
        reply, _ = run_cell(self.kc, setup, timeout=120)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        reply, msgs = run_cell(self.kc, 'train(ae, small, { epochs: 1, batchSize: 4, progress: false });\nconsole.log("not awaited");')
        c = reply["content"]
        n = c["execution_count"]
        self.assertEqual(c["status"], "error")
        self.assertRegex(c["evalue"], r"^train: data has examples of shape \[8,8,1\]")
        [err] = of_type(msgs, "error")
        tb = self.tb(err["content"])
        self.assertEqual(tb[0], f"In work started by cell [{n}], a promise that nothing awaited or caught rejected:")
        self.assertEqual(tb[2], f"--> cell [{n}]:1:1")  # thrown inside lib/train: the learner's line leads
        self.assertEqual(tb[-1].strip(), f"at cell [{n}]:1:1")

    def test_error_in_a_timer_fails_the_running_cell_at_once(self):
        t0 = time.time()
        reply, msgs = run_cell(self.kc, 'setTimeout(() => { throw new Error("during"); }, 50);\nawait new Promise((r) => setTimeout(r, 30000));')
        self.assertLess(time.time() - t0, 10)
        c = reply["content"]
        self.assertEqual((c["status"], c["ename"], c["evalue"]), ("error", "Error", "during"))
        self.assertEqual(self.tb(c)[0], f"In work started by cell [{c['execution_count']}], an exception was thrown in a timer or callback:")
        reply, msgs = run_cell(self.kc, "6 * 7")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_rejection_while_another_cell_runs_fails_that_cell_after_it_ran(self):
        reply, _ = run_cell(self.kc, '(async () => { await new Promise((r) => setTimeout(r, 300)); throw new TypeError("later"); })();\n"started"')
        self.assertEqual(reply["content"]["status"], "ok")
        n = reply["content"]["execution_count"]
        reply, msgs = run_cell(self.kc, "await new Promise((r) => setTimeout(r, 1500));\n5")
        c = reply["content"]
        self.assertEqual((c["status"], c["ename"], c["evalue"]), ("error", "TypeError", "later"))
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "5")  # it did run
        self.assertTrue(self.tb(c)[0].startswith(f"While cell [{c['execution_count']}] ran, work started by cell [{n}] failed"))

    def test_settle_waits_for_pending_timers_then_reports(self):
        reply, _ = run_cell(self.kc, 'setTimeout(() => { throw new Error("after all"); }, 1000);\n"set"')
        n = reply["content"]["execution_count"]
        t0 = time.time()
        reply, msgs = run_cell(self.kc, 'const k = (globalThis as any)[Symbol.for("gdl.kernel")];\nawait k.settle(20000);', timeout=60)
        self.assertGreater(time.time() - t0, 0.8)
        c = reply["content"]
        self.assertEqual((c["status"], c["evalue"]), ("error", "after all"))
        self.assertIn(f"work started by cell [{n}] failed", self.tb(c)[0])
        # Nothing pending: settle returns at once. (A failed cell's names are gone: declare k again.)
        t0 = time.time()
        reply, msgs = run_cell(self.kc, 'const k = (globalThis as any)[Symbol.for("gdl.kernel")];\nawait k.settle(20000)')
        self.assertLess(time.time() - t0, 2)
        self.assertEqual(of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "{ settled: true }")


class NotebookErrors(unittest.TestCase):
    def test_failing_cell_shows_error_and_stack(self):
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "TypeScript (workbook)", "language": "typescript"}
        nb.cells = [nbformat.v4.new_code_cell("6 * 7"), nbformat.v4.new_code_cell('throw new Error("boom")')]
        client = NotebookClient(nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": ROOT}})
        with self.assertRaises(CellExecutionError) as cm:
            client.execute()
        self.assertIn("Error: boom", str(cm.exception))
        first, second = nb.cells
        self.assertEqual(first.execution_count, 1)
        self.assertEqual(first.outputs[0].output_type, "execute_result")
        self.assertEqual(first.outputs[0].data["text/plain"], "42")
        self.assertEqual(second.execution_count, 2)
        [err] = [o for o in second.outputs if o.output_type == "error"]
        self.assertEqual((err.ename, err.evalue), ("Error", "boom"))
        self.assertEqual(ANSI.sub("", err.traceback[0]), "Error: boom")
        self.assertTrue(any(line.lstrip().startswith("at ") for line in err.traceback[1:]), err.traceback)


if __name__ == "__main__":
    unittest.main()
