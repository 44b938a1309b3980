// The Python family's recorded cases: pytest, scripts' tracebacks (located at
// the deepest frame in the project's own files, not <frozen os> or
// site-packages), SyntaxErrors, logging's ERROR:/CRITICAL: lines, Django's
// runserver, Flask's debug server and FastAPI under uvicorn. Recorded by
// tests/corpus/record.ts with the machine's Python and the packages below,
// installed once in a scratch virtualenv (never in the repository).

import type { CaseDef } from "../case.ts";
import { npmTools } from "../scratch.ts";

const VENV = "/tmp/buzz-corpus/venv";
const PACKAGES = {
  pytest: "9.1.1",
  django: "5.2.17",
  flask: "3.1.3",
  fastapi: "0.142.2",
  uvicorn: "0.54.0",
  mypy: "2.4.0",
  ruff: "0.16.9",
  gunicorn: "26.2.0",
};
const setup = [[
  "sh",
  "-c",
  `test -x ${VENV}/bin/gunicorn || (python3 -m venv ${VENV} && ${VENV}/bin/pip install -q ${
    Object.entries(PACKAGES).map(([p, v]) => `${p}==${v}`).join(" ")
  })`,
]];
const env = { PATH: `${VENV}/bin:/usr/local/bin:/usr/bin:/bin`, PYTHONDONTWRITEBYTECODE: "1" };
const versions = { python: "3.11.7" };

/** How the pytest cases run: pytest itself, from the scratch virtualenv. */
const pytestRun = (...args: string[]) => ({
  setup,
  command: ["pytest", ...args],
  env,
  versions: { ...versions, pytest: PACKAGES.pytest },
});

const CART = `def total(prices, discount=0):
    subtotal = sum(prices)
    return subtotal - subtotal * discount // 100


def average(prices):
    return sum(prices) / len(prices)
`;
const cartTest = (want: number) =>
  `from cart import total


def test_total():
    assert total([5, 5]) == 10


def test_total_with_discount():
    result = total([10, 10], discount=50)
    assert result == ${want}
`;

const AVERAGE_TEST = `from cart import average


def test_average():
    assert average([2, 4]) == 3


def test_average_of_nothing():
    assert average([]) == 0
`;
const CART_SAFE = CART.replace(
  "    return sum(prices) / len(prices)",
  "    return sum(prices) / len(prices) if prices else 0",
);

const NOISY_TEST = `import logging

import pytest

log = logging.getLogger("auth")


def login(password):
    if password != "secret":
        raise PermissionError("invalid credentials")
    return True


def test_error_handling():
    with pytest.raises(PermissionError, match="invalid"):
        login("wrong")


def test_failed_login_is_logged(caplog):
    log.error("failed login for bob")
    assert "failed login" in caplog.text


def test_exception_message():
    try:
        login("nope")
    except PermissionError as e:
        print("error:", e)
        assert "invalid" in str(e)


def test_ok():
    assert login("secret")
`;

const SETTINGS_BROKEN = `import os

# The database the app talks to.
DATABASE_URL = os.environ["DATABASE_URL"]
DEBUG = True
`;
const SETTINGS_OK = `import os

# The database the app talks to.
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///dev.db")
DEBUG = True
`;
const APP_SETTINGS = `import settings


def main():
    print("connecting to", settings.DATABASE_URL)


if __name__ == "__main__":
    print("starting")
    main()
`;

const UTILS_OK = `def total(items):
    return sum(item["price"] for item in items)
`;
const UTILS_BROKEN = `def total(items)
    return sum(item["price"] for item in items)
`;
const APP_UTILS = `from utils import total

print("total:", total([{"price": 3}, {"price": 4}]))
`;

const worker = (fail: boolean) =>
  `import logging

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("worker")

log.info("processing 2 orders (0 failed so far)")
log.warning("retrying order 41 after a timeout error")
${
    fail
      ? `log.error("charge failed for order 42: card declined")
logging.getLogger("db").critical("connection pool exhausted, giving up")`
      : `log.info("charged order 42")`
  }
log.info("done")
`;

const NOISY_WORKER = `import logging

logging.basicConfig(level=logging.DEBUG)
log = logging.getLogger("sync")

log.debug("error_rate threshold set to 0.05")
log.info("0 errors, 0 failed jobs in the last hour")
log.info("retry policy: on error, back off 2s; on failure, give up after 3")
log.warning("error budget 80% used (not an error yet)")
print("Exception handling: enabled; traceback logging: on")
log.info("sync finished")
`;

// Django: a minimal project written out by hand (no startproject: every file is here).
const DJANGO_SETTINGS = `SECRET_KEY = "dev-only"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "shop.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True
`;
const DJANGO_MANAGE = `#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
`;
const DJANGO_URLS = `from django.urls import path

from shop import views

urlpatterns = [path("", views.index)]
`;
const djangoViews = (body: string) =>
  `from django.http import HttpResponse

PRICES = [3, 4]


def index(request):
${body}
`;
const DJ_OK = djangoViews('    return HttpResponse(f"total {sum(PRICES)}")');
const DJ_RAISE = djangoViews(
  '    average = sum(PRICES) / len(PRICES[2:])\n    return HttpResponse(f"average {average}")',
);
const DJ_IMPORT = DJ_OK.replace(
  "from django.http import HttpResponse",
  "from django.http import HttpRespons",
);
/** The Django project every Django case starts from. */
const DJANGO_PROJECT = {
  "manage.py": DJANGO_MANAGE,
  "shop/__init__.py": "",
  "shop/settings.py": DJANGO_SETTINGS,
  "shop/urls.py": DJANGO_URLS,
  "shop/views.py": DJ_OK,
};

const flaskApp = (body: string) =>
  `from flask import Flask

app = Flask(__name__)
PRICES = {"apple": 3}


@app.route("/")
def index():
${body}
`;
const FLASK_OK = flaskApp("    return f\"apple costs {PRICES['apple']}\"");
const FLASK_RAISE = flaskApp("    return f\"pear costs {PRICES['pear']}\"");

const fastApp = (body: string) =>
  `from fastapi import FastAPI

app = FastAPI()
ITEMS = [3, 4]


@app.get("/")
def index():
${body}
`;
const FAST_OK = fastApp('    return {"total": sum(ITEMS)}');
const FAST_RAISE = fastApp('    return {"average": sum(ITEMS) / len(ITEMS[5:])}');
const FAST_IMPORT = FAST_OK.replace("app = FastAPI()", "app = FastAPI(\n    title=TITLE,\n)");

const SERVE_HELD = `import socket

import uvicorn

# Another copy of the API still holds the port.
held = socket.socket()
held.bind(("127.0.0.1", 18441))
held.listen()

uvicorn.run("main:app", host="127.0.0.1", port=18441)
`;
const SERVE_FREE = `import uvicorn

uvicorn.run("main:app", host="127.0.0.1", port=18441)
`;

const XFAIL_TEST = `import sys

import pytest


def parse(text):
    return int(text)


def test_parse():
    assert parse("42") == 42


@pytest.mark.xfail(reason="error in the parser: negative numbers FAILED (#12)")
def test_parse_negative_known_bug():
    assert parse("-4") == 4


@pytest.mark.skipif(sys.platform == "linux", reason="error reporting backend missing on linux")
def test_error_report_upload():
    raise RuntimeError("not reached")


def test_parse_error_raises():
    with pytest.raises(ValueError):
        parse("oops")
`;

const unittestCart = (want: number) =>
  `import unittest

from cart import average, total


class CartTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(total([5, 5]), 10)

    def test_total_with_discount(self):
        self.assertEqual(total([10, 10], discount=50), ${want})

    def test_average(self):
        self.assertEqual(average([2, 4]), 3)


if __name__ == "__main__":
    unittest.main()
`;

const syncJob = (fail: boolean) =>
  `import logging

logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
log = logging.getLogger("sync")


def parse_batch(raw):
    return [int(x) for x in raw.split(",")]


log.info("sync started (last run: 0 errors)")
try:
    rows = parse_batch("${fail ? "1,2,x" : "1,2,3"}")
    log.info("parsed %d rows", len(rows))
except ValueError:
    log.exception("sync failed: bad batch")
log.warning("retry queue has 0 failed items")
`;

const lintApp = (broken: boolean) =>
  broken
    ? `import os


def total(prices: list[int]) -> int:
    count: int = "none"
    return sum(prices) + discount
`
    : `def total(prices: list[int]) -> int:
    count: int = len(prices)
    return sum(prices) - count * 0
`;

const wsgiApp = (key: string) =>
  `from flask import Flask

app = Flask(__name__)
PRICES = {"apple": 3}


@app.route("/")
def index():
    return f"costs {PRICES['${key}']}"
`;

const chained = (path: string) =>
  `import json


def load_config(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError as e:
        raise RuntimeError(f"config missing: {path}") from e


def main():
    config = load_config("${path}")
    print("port", config["port"])


main()
`;

const threeTests = (fixed: boolean) =>
  `from cart import average, total


def test_total():
    assert total([5, 5]) == ${fixed ? 10 : 11}


def test_average():
    assert average([2, 4]) == 3


class TestCart:
    def test_discount(self):
        assert total([10], discount=50) == ${fixed ? 5 : 4}
`;

const mainScript = (ok: boolean) =>
  `print("starting")


def handler(${ok ? "event" : "event:"}):
    return event["id"]


print(handler({"id": 1}))
`;

const FAST_ITEMS = `from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def item(item_id: int):
    return {"id": item_id, "errors": 0}
`;

const WARN_TEST = `import warnings


def error_handler(exc):
    warnings.warn("error_handler() is deprecated; FAILED jobs are retried instead", DeprecationWarning)
    return str(exc)


def test_error_handler_formats_the_error():
    assert error_handler(ValueError("bad input")) == "bad input"


def test_failed_job_is_retried():
    assert True
`;

/** Another copy of the app still holds the port: binds it, then runs the real command. */
const holdPort = (port: number, argv: string[]) =>
  `import socket
import subprocess
import sys

held = socket.socket()
held.bind(("127.0.0.1", ${port}))
held.listen()
sys.exit(subprocess.call(${JSON.stringify(argv)}))
`;

export const cases: CaseDef[] = [
  {
    name: "pytest-assert-fail",
    tool: "pytest",
    about: "pytest: a failing assert in a test, then the test fixed",
    files: { "cart.py": CART, "test_cart.py": cartTest(15) },
    ...pytestRun(),
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "test_cart.py": cartTest(10) } },
    ],
  },
  {
    name: "pytest-app-exception",
    tool: "pytest",
    about:
      "pytest: two test files, one test fails on a ZeroDivisionError raised in the app's code, then fixed",
    files: { "cart.py": CART, "test_cart.py": cartTest(10), "test_average.py": AVERAGE_TEST },
    ...pytestRun(),
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "cart.py": CART_SAFE } },
    ],
  },
  {
    name: "pytest-collection-error",
    tool: "pytest",
    about: "pytest: an ImportError while collecting a test module, then fixed",
    files: { "cart.py": CART, "test_cart.py": cartTest(10).replace("import total", "import totl") },
    ...pytestRun(),
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "test_cart.py": cartTest(10) } },
    ],
  },
  {
    name: "pytest-verbose-clean",
    tool: "pytest",
    about: "pytest -v: passing tests named after errors and failures, printing 'error:' (clean)",
    files: { "test_auth.py": NOISY_TEST },
    ...pytestRun("-v"),
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "python-traceback-frozen-os",
    tool: "python",
    about: "python app.py: a KeyError raised through <frozen os> from settings.py, then fixed",
    files: { "app.py": APP_SETTINGS, "settings.py": SETTINGS_BROKEN },
    command: ["python3", "app.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "settings.py": SETTINGS_OK } },
    ],
  },
  {
    name: "python-syntax-imported",
    tool: "python",
    about: "python app.py: a SyntaxError in an imported module, then fixed",
    files: { "app.py": APP_UTILS, "utils.py": UTILS_OK },
    command: ["python3", "app.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "utils.py": UTILS_BROKEN } },
      { name: "fix", run: true, edit: { "utils.py": UTILS_OK } },
    ],
  },
  {
    name: "python-logging-errors",
    tool: "python",
    about:
      "logging.basicConfig: ERROR: and CRITICAL: lines among INFO/WARNING ones, then a clean run",
    files: { "worker.py": worker(true) },
    command: ["python3", "worker.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "worker.py": worker(false) } },
    ],
  },
  {
    name: "python-logging-clean",
    tool: "python",
    about: "logging at DEBUG/INFO/WARNING full of 'error' and 'failed' words (clean)",
    files: { "sync.py": NOISY_WORKER },
    command: ["python3", "sync.py"],
    env,
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "django-runserver",
    tool: "django",
    about:
      "manage.py runserver: a view raising ZeroDivisionError on a request, fixed; then an ImportError on reload, fixed",
    files: {
      ...DJANGO_PROJECT,
    },
    setup,
    command: ["python", "manage.py", "runserver", "127.0.0.1:18442"],
    env,
    versions: { ...versions, django: PACKAGES.django },
    phases: [
      { name: "start", waitFor: "Quit the server" },
      {
        name: "edit-view",
        edit: { "shop/views.py": DJ_RAISE },
        waitFor: "reloading[\\s\\S]*Quit the server",
      },
      { name: "request-error", fetch: ["http://127.0.0.1:18442/"], waitFor: '" 500 ' },
      {
        name: "fix",
        edit: { "shop/views.py": DJ_OK },
        waitFor: "reloading[\\s\\S]*Quit the server",
      },
      { name: "request-ok", fetch: ["http://127.0.0.1:18442/"], waitFor: '" 200 ' },
      {
        name: "break",
        edit: { "shop/views.py": DJ_IMPORT },
        waitFor: "ImportError",
        settleMs: 1500,
      },
      { name: "fixed", edit: { "shop/views.py": DJ_OK }, waitFor: "Quit the server" },
    ],
  },
  {
    name: "flask-debug-error",
    tool: "flask",
    about:
      "flask run --debug: a KeyError in a route on a request, then fixed (the reloader restarts)",
    files: { "app.py": FLASK_OK },
    setup,
    command: ["flask", "--app", "app", "run", "--debug", "--port", "18443"],
    env,
    versions: { ...versions, flask: PACKAGES.flask },
    phases: [
      { name: "start", waitFor: "Debugger PIN" },
      {
        name: "edit-route",
        edit: { "app.py": FLASK_RAISE },
        waitFor: "Restarting[\\s\\S]*Debugger PIN",
      },
      { name: "request-error", fetch: ["http://127.0.0.1:18443/"], waitFor: '" 500 ' },
      { name: "fix", edit: { "app.py": FLASK_OK }, waitFor: "Restarting[\\s\\S]*Debugger PIN" },
      { name: "request-ok", fetch: ["http://127.0.0.1:18443/"], waitFor: '" 200 ' },
    ],
  },
  {
    name: "uvicorn-reload-errors",
    tool: "uvicorn",
    about:
      "uvicorn --reload (FastAPI): an exception in an endpoint, fixed; a NameError on reload, fixed",
    files: { "main.py": FAST_OK },
    setup,
    command: ["uvicorn", "main:app", "--reload", "--port", "18444"],
    env,
    versions: { ...versions, fastapi: PACKAGES.fastapi, uvicorn: PACKAGES.uvicorn },
    phases: [
      { name: "start", waitFor: "Application startup complete" },
      {
        name: "edit-endpoint",
        edit: { "main.py": FAST_RAISE },
        waitFor: "Reloading[\\s\\S]*startup complete",
      },
      { name: "request-error", fetch: ["http://127.0.0.1:18444/"], waitFor: '" 500' },
      { name: "fix", edit: { "main.py": FAST_OK }, waitFor: "Reloading[\\s\\S]*startup complete" },
      { name: "request-ok", fetch: ["http://127.0.0.1:18444/"], waitFor: '" 200' },
      { name: "break", edit: { "main.py": FAST_IMPORT }, waitFor: "NameError", settleMs: 1500 },
      { name: "fixed", edit: { "main.py": FAST_OK }, waitFor: "Application startup complete" },
    ],
  },
  {
    name: "uvicorn-port-in-use",
    tool: "uvicorn",
    about:
      "uvicorn.run: [Errno 98] address already in use, exit 1; then the port is free and it serves",
    files: { "main.py": FAST_OK, "serve.py": SERVE_HELD },
    setup,
    command: ["python", "serve.py"],
    env,
    versions: { ...versions, fastapi: PACKAGES.fastapi, uvicorn: PACKAGES.uvicorn },
    phases: [
      { name: "start" },
      {
        name: "fix",
        run: true,
        edit: { "serve.py": SERVE_FREE },
        waitFor: "Application startup complete",
      },
    ],
  },
  {
    name: "pytest-xfail-skip-clean",
    tool: "pytest",
    about:
      "pytest -rxs: an expected failure (XFAIL) and a skip whose reasons say 'error' and 'FAILED', the rest passes (clean)",
    files: { "test_parse.py": XFAIL_TEST },
    ...pytestRun("-rxs"),
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "django-runserver-404-clean",
    tool: "django",
    about:
      "manage.py runserver: requests for missing pages ('Not Found: /missing', 404) are not errors (clean)",
    files: {
      ...DJANGO_PROJECT,
    },
    setup,
    command: ["python", "manage.py", "runserver", "127.0.0.1:18445"],
    env,
    versions: { ...versions, django: PACKAGES.django },
    clean: true,
    phases: [
      { name: "start", waitFor: "Quit the server" },
      {
        name: "requests",
        fetch: ["http://127.0.0.1:18445/", "http://127.0.0.1:18445/missing-error-page"],
        waitFor: '" 404 ',
      },
    ],
  },
  {
    name: "python-unittest-fail",
    tool: "unittest",
    about: "python -m unittest: a failing assertEqual, then fixed",
    files: { "cart.py": CART, "test_cart.py": unittestCart(15) },
    command: ["python3", "-m", "unittest"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "test_cart.py": unittestCart(10) } },
    ],
  },
  {
    name: "python-logging-exception",
    tool: "python",
    about:
      "logging with asctime: log.exception() prints an ERROR line and its traceback among INFO/WARNING lines, then a clean run",
    files: { "sync.py": syncJob(true) },
    command: ["python3", "sync.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "sync.py": syncJob(false) } },
    ],
  },
  {
    name: "ruff-check",
    tool: "ruff",
    about:
      "ruff check: an unused import, an unused variable and an undefined name (full format), then fixed",
    files: { "app.py": lintApp(false) },
    setup,
    command: ["ruff", "check", "."],
    env,
    versions: { ...versions, ruff: PACKAGES.ruff },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "app.py": lintApp(true) } },
      { name: "fix", run: true, edit: { "app.py": lintApp(false) } },
    ],
  },
  {
    name: "mypy-errors",
    tool: "mypy",
    about: "mypy: an incompatible assignment and an undefined name, then fixed",
    files: { "app.py": lintApp(false) },
    setup,
    command: ["mypy", "."],
    env,
    versions: { ...versions, mypy: PACKAGES.mypy },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "app.py": lintApp(true) } },
      { name: "fix", run: true, edit: { "app.py": lintApp(false) } },
    ],
  },
  {
    name: "gunicorn-flask-reload",
    tool: "flask",
    about:
      "gunicorn --reload serving a Flask app (no debug): 'ERROR in app: Exception on / [GET]' and its traceback on a request; fixed, the worker reloads",
    files: { "app.py": wsgiApp("apple") },
    setup,
    command: ["gunicorn", "--reload", "-b", "127.0.0.1:18446", "app:app"],
    env,
    versions: { ...versions, flask: PACKAGES.flask, gunicorn: PACKAGES.gunicorn },
    phases: [
      // The reloader notes the files' times once the worker is up.
      { name: "start", waitFor: "Control socket", settleMs: 3000 },
      {
        name: "edit-route",
        edit: { "app.py": wsgiApp("pear") },
        waitFor: "Booting worker",
        settleMs: 1000,
      },
      { name: "request-error", fetch: ["http://127.0.0.1:18446/"], waitFor: "KeyError" },
      {
        name: "fix",
        edit: { "app.py": wsgiApp("apple") },
        waitFor: "Booting worker",
        settleMs: 1000,
      },
      { name: "request-ok", fetch: ["http://127.0.0.1:18446/"], settleMs: 1000 },
    ],
  },
  {
    name: "python-chained-exception",
    tool: "python",
    about:
      "python app.py: a RuntimeError raised from a FileNotFoundError (a chained traceback), then fixed",
    files: { "app.py": chained("config.json"), "settings.json": '{"port": 8000}\n' },
    command: ["python3", "app.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "app.py": chained("settings.json") } },
    ],
  },
  {
    name: "pytest-tb-line",
    tool: "pytest",
    about: "pytest --tb=line: three failures on one line each (one raised in cart.py), then fixed",
    files: { "cart.py": CART, "test_cart.py": threeTests(false) },
    ...pytestRun("--tb=line"),
    phases: [
      { name: "start" },
      {
        name: "fix",
        run: true,
        edit: {
          "cart.py": CART_SAFE.replace("else 0", "else 3"),
          "test_cart.py": threeTests(true),
        },
      },
    ],
  },
  {
    name: "python-syntax-main",
    tool: "python",
    about: "python app.py: a SyntaxError in the script itself (no traceback header), then fixed",
    files: { "app.py": mainScript(true) },
    command: ["python3", "app.py"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "app.py": mainScript(false) } },
      { name: "fix", run: true, edit: { "app.py": mainScript(true) } },
    ],
  },
  {
    name: "uvicorn-404-422-clean",
    tool: "uvicorn",
    about:
      "uvicorn (FastAPI): requests answered 404 Not Found and 422 Unprocessable Entity are not errors (clean)",
    files: { "main.py": FAST_ITEMS },
    setup,
    command: ["uvicorn", "main:app", "--port", "18447"],
    env,
    versions: { ...versions, fastapi: PACKAGES.fastapi, uvicorn: PACKAGES.uvicorn },
    clean: true,
    phases: [
      { name: "start", waitFor: "Application startup complete" },
      {
        name: "requests",
        fetch: [
          "http://127.0.0.1:18447/items/1",
          "http://127.0.0.1:18447/items/error",
          "http://127.0.0.1:18447/failed",
        ],
        waitFor: "404",
        settleMs: 1000,
      },
    ],
  },
  {
    name: "pytest-nodemon",
    tool: "pytest",
    about: "nodemon -e py --exec pytest (tests re-run on save, in one run): a failure, then fixed",
    files: { "cart.py": CART, "test_cart.py": cartTest(10) },
    setup: [...setup, ...npmTools({ nodemon: "3.1.14" })],
    command: ["nodemon", "-e", "py", "--exec", "pytest -q"],
    env: { ...env, PATH: `node_modules/.bin:${env.PATH}` },
    versions: { ...versions, pytest: PACKAGES.pytest, nodemon: "3.1.14" },
    phases: [
      { name: "start", waitFor: "passed" },
      { name: "break", edit: { "test_cart.py": cartTest(15) }, waitFor: "failed" },
      { name: "fix", edit: { "test_cart.py": cartTest(10) }, waitFor: "restarting[\\s\\S]*passed" },
    ],
  },
  {
    name: "flask-debug-syntax",
    tool: "flask",
    about: "flask run --debug: a SyntaxError on reload (the debugger keeps serving), then fixed",
    files: { "app.py": FLASK_OK },
    setup,
    command: ["flask", "--app", "app", "run", "--debug", "--port", "18448"],
    env,
    versions: { ...versions, flask: PACKAGES.flask },
    phases: [
      { name: "start", waitFor: "Debugger PIN", settleMs: 1500 },
      {
        name: "break",
        edit: { "app.py": FLASK_OK.replace("def index():", "def index(:") },
        waitFor: "SyntaxError[\\s\\S]*Debugger PIN",
      },
      { name: "fix", edit: { "app.py": FLASK_OK }, waitFor: "Restarting[\\s\\S]*Debugger PIN" },
    ],
  },
  {
    name: "pytest-warnings-clean",
    tool: "pytest",
    about:
      "pytest: passing tests with a DeprecationWarning in the warnings summary, full of 'error'/'FAILED' words (clean)",
    files: { "test_jobs.py": WARN_TEST },
    ...pytestRun(),
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "django-port-in-use",
    tool: "django",
    about:
      "manage.py runserver on a port another process holds ('Error: That port is already in use.'), then free",
    files: {
      ...DJANGO_PROJECT,
      "busy.py": holdPort(18450, ["python", "manage.py", "runserver", "127.0.0.1:18450"]),
    },
    setup,
    command: ["python", "busy.py"],
    env,
    versions: { ...versions, django: PACKAGES.django },
    phases: [
      { name: "start", timeoutMs: 30_000 },
      {
        name: "fix",
        run: true,
        edit: {
          "busy.py":
            "import os\n\nos.execvp('python', ['python', 'manage.py', 'runserver', '127.0.0.1:18450'])\n",
        },
        waitFor: "Quit the server",
      },
    ],
  },
  {
    name: "flask-port-in-use",
    tool: "flask",
    about:
      "flask run on a port another process holds ('Address already in use', exit 1), then free",
    files: {
      "app.py": FLASK_OK,
      "busy.py": holdPort(18451, ["flask", "--app", "app", "run", "--port", "18451"]),
    },
    setup,
    command: ["python", "busy.py"],
    env,
    versions: { ...versions, flask: PACKAGES.flask },
    phases: [
      { name: "start", timeoutMs: 30_000 },
      {
        name: "fix",
        run: true,
        edit: {
          "busy.py":
            "import os\n\nos.execvp('flask', ['flask', '--app', 'app', 'run', '--port', '18451'])\n",
        },
        waitFor: "Running on",
      },
    ],
  },
];
