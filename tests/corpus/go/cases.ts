// The Go family's recorded cases: go build / go run / go vet / go test, runtime
// panics with their goroutine traces, a server's noisy-but-clean log, and a
// rebuild-on-save loop (nodemon running `go run .`, as air does). Recorded by
// tests/corpus/record.ts with Debian's golang-go (1.19).

import type { CaseDef } from "../case.ts";
import { npmTools } from "../scratch.ts";

const versions = { go: "1.19.8" };
const GO_MOD = "module example\n\ngo 1.19\n";

const MAIN_OK = `package main

import "fmt"

func main() {
	count := 3
	fmt.Println("items:", count)
}
`;

const MAIN_BROKEN = `package main

import "fmt"

func main() {
	count := 3
	fmt.Printn("items")
}
`;

const STORE_OK = `package store

// Size is the number of items a store holds.
func Size(items []string) int {
	return len(items)
}
`;

const STORE_BROKEN = `package store

// Size is the number of items a store holds.
func Size(items []string) int {
	return "none"
}
`;

const USES_STORE = `package main

import (
	"fmt"

	"example/store"
)

func main() {
	fmt.Println("size:", store.Size([]string{"a", "b"}))
}
`;

const VET_OK = `package main

import "fmt"

func main() {
	name := "buzz"
	fmt.Printf("hello %s\\n", name)
}
`;

const VET_BROKEN = `package main

import "fmt"

func main() {
	name := "buzz"
	fmt.Printf("hello %d\\n", name)
}
`;

const CART = `package cart

// Total sums the prices, less a discount in percent.
func Total(prices []int, discount int) int {
	sum := 0
	for _, p := range prices {
		sum += p
	}
	return sum - sum*discount/100
}
`;

const cartTest = (want: number) =>
  `package cart

import "testing"

func TestTotal(t *testing.T) {
	if got := Total([]int{10, 10}, 25); got != ${want} {
		t.Errorf("Total() = %d, want ${want}", got)
	}
}

func TestTotalEmpty(t *testing.T) {
	if got := Total(nil, 0); got != 0 {
		t.Errorf("Total(nil) = %d, want 0", got)
	}
}
`;

const panicMain = (index: number) =>
  `package main

import "fmt"

func main() {
	items := []string{"a", "b", "c"}
	fmt.Println("loaded", len(items), "items")
	i := ${index}
	// the last item
	fmt.Println("last:", items[i])
}
`;

const WORKER_MAIN = `package main

import (
	"fmt"
	"sync"

	"example/worker"
)

func main() {
	var wg sync.WaitGroup
	for id := 1; id <= 2; id++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			worker.Run(id)
		}(id)
	}
	wg.Wait()
	fmt.Println("all jobs done")
}
`;

const worker = (guard: boolean) =>
  `package worker

import "fmt"

type Job struct{ Name string }

var jobs = map[int]*Job{1: {Name: "resize"}}

// Run processes job id.
func Run(id int) {
	job := jobs[id]
${
    guard
      ? '\tif job == nil {\n\t\tfmt.Println("no job", id)\n\t\treturn\n\t}\n'
      : ""
  }	fmt.Println("running", job.Name)
}
`;

const storeMap = (made: boolean) =>
  `package store

// Store keeps counters by key.
type Store struct{ counts map[string]int }

// New returns an empty store.
func New() *Store {
	return &Store{${made ? "counts: map[string]int{}" : ""}}
}

// Add counts key once more.
func (s *Store) Add(key string) {
	s.counts[key]++
}
`;

const STORE_TEST = `package store

import "testing"

func TestAdd(t *testing.T) {
	s := New()
	s.Add("a")
	if s.counts["a"] != 1 {
		t.Fatalf("count = %d", s.counts["a"])
	}
}
`;

const NOISY_TEST = `package auth

import "testing"

func TestErrorHandling(t *testing.T) {
	err := Login("bob", "wrong")
	if err == nil {
		t.Fatal("expected an error")
	}
	t.Logf("got error %q as expected", err)
}

func TestFailedLoginIsCounted(t *testing.T) {
	_ = Login("bob", "wrong")
	if Failed() == 0 {
		t.Error("failed logins not counted")
	}
	t.Log("failed logins: counted; panic: none")
}

func TestLoginOK(t *testing.T) {
	if err := Login("bob", "secret"); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}
`;

const NOISY_AUTH = `package auth

import "errors"

var failed int

// ErrInvalid is returned for a wrong password.
var ErrInvalid = errors.New("invalid credentials")

// Login checks a password.
func Login(user, password string) error {
	if password != "secret" {
		failed++
		return ErrInvalid
	}
	return nil
}

// Failed is the number of failed logins.
func Failed() int { return failed }
`;

const SERVER = (port: number) =>
  `package main

import (
	"log"
	"net/http"
)

func main() {
	errorsSeen := 0
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("GET %s 200 (errors so far: %d)", r.URL.Path, errorsSeen)
		w.Write([]byte("ok"))
	})
	log.Printf("config: retry_on_error=true max_failed_attempts=3 panic_on_error=false")
	log.Printf("error reporting: disabled in development")
	log.Printf("listening on http://127.0.0.1:${port}")
	log.Fatal(http.ListenAndServe("127.0.0.1:${port}", nil))
}
`;

const WATCH_SERVER = (port: number, broken: boolean) =>
  `package main

import (
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})
	log.Printf("listening on http://127.0.0.1:${port}")
	log.Fatal(http.ListenAndServe("127.0.0.1:${port}", ${broken ? "handler" : "nil"}))
}
`;

const configMain = (path: string) =>
  `package main

import (
	"encoding/json"
	"log"
	"os"
)

func main() {
	log.Printf("loading %s (errors are fatal)", "${path}")
	raw, err := os.ReadFile("${path}")
	if err != nil {
		log.Fatalf("read config: %v", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		log.Fatalf("parse config: %v", err)
	}
	log.Printf("port %v", cfg["port"])
}
`;

const raceMain = (locked: boolean) =>
  `package main

import (
	"fmt"
	"sync"
)

func main() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	hits := 0
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
${locked ? "\t\t\tmu.Lock()\n\t\t\thits++\n\t\t\tmu.Unlock()" : "\t\t\thits++"}
		}()
	}
	wg.Wait()
	_ = &mu
	fmt.Println("hits:", hits)
}
`;

const subtests = (want: number) =>
  `package cart

import "testing"

func Total(p []int) int {
	s := 0
	for _, x := range p {
		s += x
	}
	return s
}

func TestTotal(t *testing.T) {
	cases := map[string][]int{"pair": {1, 2}, "empty": nil}
	for name, prices := range cases {
		t.Run(name, func(t *testing.T) {
			if name == "pair" && Total(prices) != ${want} {
				t.Errorf("Total(%v) = %d, want ${want}", prices, Total(prices))
			}
		})
	}
}
`;

const SKIP_TEST = `package report

import (
	"errors"
	"testing"
)

func TestUploadErrorReport(t *testing.T) {
	t.Skip("skipping: error backend unavailable in dev (FAIL-safe)")
}

func TestRecoverFromPanic(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Logf("panic: %v (recovered, as expected)", r)
		}
	}()
	panic("boom")
}

func TestWrappedError(t *testing.T) {
	err := errors.New("error: connection refused")
	t.Logf("FAIL path exercised: %v", err)
}
`;

const withImport = (pkg: string | null) =>
  `package main

import (
	"fmt"
${pkg ? `\t"${pkg}"\n` : ""})

func main() {
	fmt.Println("ok")${pkg ? "\n\t_ = errors.New" : ""}
}
`;

export const cases: CaseDef[] = [
  {
    name: "go-run-build-errors",
    tool: "go",
    about: "go run: an unused variable and an undefined function, then fixed",
    files: { "go.mod": GO_MOD, "main.go": MAIN_OK },
    command: ["go", "run", "."],
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "main.go": MAIN_BROKEN } },
      { name: "fix", run: true, edit: { "main.go": MAIN_OK } },
    ],
  },
  {
    name: "go-build-package-error",
    tool: "go",
    about: "go build ./...: a type error in a sub-package, then fixed",
    files: { "go.mod": GO_MOD, "main.go": USES_STORE, "store/store.go": STORE_OK },
    command: ["go", "build", "./..."],
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "store/store.go": STORE_BROKEN } },
      { name: "fix", run: true, edit: { "store/store.go": STORE_OK } },
    ],
  },
  {
    name: "go-vet-printf",
    tool: "go",
    about: "go vet: a Printf verb of the wrong type, then fixed",
    files: { "go.mod": GO_MOD, "main.go": VET_OK },
    command: ["go", "vet", "./..."],
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "main.go": VET_BROKEN } },
      { name: "fix", run: true, edit: { "main.go": VET_OK } },
    ],
  },
  {
    name: "go-test-fail",
    tool: "go",
    about: "go test: a failing assertion (t.Errorf), then the test fixed",
    files: { "go.mod": GO_MOD, "cart/cart.go": CART, "cart/cart_test.go": cartTest(20) },
    command: ["go", "test", "./..."],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "cart/cart_test.go": cartTest(15) } },
    ],
  },
  {
    name: "go-test-panic",
    tool: "go",
    about: "go test: a test panics on a nil map in the package under test, then fixed",
    files: {
      "go.mod": GO_MOD,
      "store/store.go": storeMap(false),
      "store/store_test.go": STORE_TEST,
    },
    command: ["go", "test", "./..."],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "store/store.go": storeMap(true) } },
    ],
  },
  {
    name: "go-panic-index",
    tool: "go",
    about:
      "go run: index out of range panic with its goroutine trace and exit status 2, then fixed",
    files: { "go.mod": GO_MOD, "main.go": panicMain(2) },
    command: ["go", "run", "."],
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "main.go": panicMain(5) } },
      { name: "fix", run: true, edit: { "main.go": panicMain(2) } },
    ],
  },
  {
    name: "go-panic-goroutine-nil",
    tool: "go",
    about: "go run: a nil pointer dereference in a goroutine, in a sub-package, then guarded",
    files: { "go.mod": GO_MOD, "main.go": WORKER_MAIN, "worker/worker.go": worker(false) },
    command: ["go", "run", "."],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "worker/worker.go": worker(true) } },
    ],
  },
  {
    name: "go-test-verbose-clean",
    tool: "go",
    about: "go test -v: passing tests named after errors and failures, logging 'error' (clean)",
    files: { "go.mod": GO_MOD, "auth/auth.go": NOISY_AUTH, "auth/auth_test.go": NOISY_TEST },
    command: ["go", "test", "-v", "./..."],
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "go-server-log-clean",
    tool: "go",
    about: "a net/http server whose log lines talk about errors and panics (clean), then a request",
    files: { "go.mod": GO_MOD, "main.go": SERVER(18431) },
    command: ["go", "run", "."],
    versions,
    clean: true,
    phases: [
      { name: "start", waitFor: "listening on" },
      { name: "request", fetch: ["http://127.0.0.1:18431/health"], waitFor: "GET /health" },
    ],
  },
  {
    name: "go-nodemon-rebuild",
    tool: "go",
    about:
      "nodemon -e go --exec 'go build … && bin/app' (air-style rebuild on save): a build error, then fixed",
    files: { "go.mod": GO_MOD, "main.go": WATCH_SERVER(18432, false) },
    setup: npmTools({ nodemon: "3.1.14" }),
    command: [
      "nodemon",
      "-e",
      "go",
      "--signal",
      "SIGTERM",
      "--exec",
      "go build -o bin/app . && bin/app",
    ],
    versions: { ...versions, nodemon: "3.1.14" },
    phases: [
      { name: "start", waitFor: "listening on" },
      {
        name: "break",
        edit: { "main.go": WATCH_SERVER(18432, true) },
        waitFor: "app crashed",
        timeoutMs: 60_000,
      },
      { name: "fix", edit: { "main.go": WATCH_SERVER(18432, false) }, waitFor: "listening on" },
    ],
  },
  {
    name: "go-log-fatal",
    tool: "go",
    about: "go run: log.Fatalf on a missing config file (then 'exit status 1'), then fixed",
    files: {
      "go.mod": GO_MOD,
      "main.go": configMain("config.json"),
      "settings.json": '{"port": 8080}\n',
    },
    command: ["go", "run", "."],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "main.go": configMain("settings.json") } },
    ],
  },
  {
    name: "go-race",
    tool: "go",
    about:
      "go run -race: the race detector's report (WARNING: DATA RACE, exit status 66), then a mutex",
    files: { "go.mod": GO_MOD, "main.go": raceMain(false) },
    command: ["go", "run", "-race", "."],
    versions,
    phases: [
      { name: "start", timeoutMs: 120_000 },
      { name: "fix", run: true, edit: { "main.go": raceMain(true) }, timeoutMs: 120_000 },
    ],
  },
  {
    name: "go-test-verbose-subtest",
    tool: "go",
    about: "go test -v: a failing subtest (its log line before the parent's --- FAIL), then fixed",
    files: { "go.mod": GO_MOD, "cart/cart_test.go": subtests(4) },
    command: ["go", "test", "-v", "./..."],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "cart/cart_test.go": subtests(3) } },
    ],
  },
  {
    name: "go-test-skip-clean",
    tool: "go",
    about:
      "go test -v: a skipped test and passing ones that log 'panic:', 'error:' and 'FAIL' (clean)",
    files: { "go.mod": GO_MOD, "report/report_test.go": SKIP_TEST },
    command: ["go", "test", "-v", "./..."],
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "go-module-errors",
    tool: "go",
    about:
      "go run .: no go.mod yet ('go: go.mod file not found'); then an import no module provides; then fixed",
    files: { "main.go": withImport(null) },
    command: ["go", "run", "."],
    versions,
    phases: [
      { name: "start" },
      {
        name: "missing-package",
        run: true,
        edit: { "go.mod": GO_MOD, "main.go": withImport("github.com/pkg/errors") },
      },
      { name: "fix", run: true, edit: { "main.go": withImport(null) } },
    ],
  },
];
