// Java and Kotlin: javac's "File.java:12: error: …" (alone, under Gradle or
// the java launcher), Maven's "[ERROR] /…/App.java:[5,9] cannot find symbol"
// and Surefire's "<<< FAILURE!" test blocks, Gradle's "Test > method FAILED"
// lines and its "* What went wrong:" when nothing above explained the failure,
// kotlinc's "app.kt:2:5: error: …" / "e: file.kt:2:5 …", uncaught exceptions
// ("Exception in thread "main" …" with "at …(App.java:12)" frames and
// "Caused by:" chains, located at the deepest frame in the project's own
// code; printed ones too, once their frames follow), java.util.logging's
// SEVERE lines, Spring Boot's "APPLICATION FAILED TO START" report, Logback's
// ERROR lines, and sbt's "[error] File.scala:5:3: …".
//
// What resolves them: mvn, gradle, javac, kotlinc and java are one-shots, so
// running them again does; Gradle's continuous build (`gradle -t`) starts each
// new build with "Change detected, executing build...", which resolves the
// previous build's errors; a Spring Boot restart (devtools) prints its banner
// and "Started …Application in …".

import type { Draft, Family, Rule, Verdict } from "../types.ts";
import { at, CARET, lines, locate } from "./common.ts";

/** Code that is not the project's own: the JDK, Kotlin's and the usual libraries and tools. */
const LIBRARY =
  /^(java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|org\.junit|junit|org\.opentest4j|org\.apache|org\.springframework|org\.gradle|worker\.org\.gradle|org\.hibernate|com\.fasterxml|io\.netty|reactor|org\.eclipse|com\.google|org\.slf4j|ch\.qos|org\.assertj|org\.mockito|org\.hamcrest|org\.codehaus|io\.micronaut|io\.quarkus|io\.vertx|okhttp3|retrofit2)\./;
/** "\tat com.example.App.load(App.java:12)", with an optional module ("java.base/"); m[1] is class.method. */
const FRAME = /^\s+at (?:[\w.$-]+\/)?([\w.$<>]+)\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)$/;
/** An exception line: "java.lang.IllegalStateException: bad config", "Caused by: …". */
const EXCEPTION =
  /^(?:Caused by: |Suppressed: )?[a-z][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable)(?:: .*)?$|^(?:Caused by: )?[A-Z][\w$]*(?:Exception|Error)(?:: .*)?$/;

/** "com.example.CartTest" + "CartTest.java" → "com/example/CartTest.java". */
function sourcePath(cls: string, file: string): string {
  const pkg = cls.split(".").slice(0, -1);
  return [...pkg, file].join("/");
}

/**
 * Locates at the deepest frame in the project's own code: the innermost own
 * frame of the last "Caused by:" (the root cause), else of the whole trace.
 */
function ownFrame(d: Draft, from = 0): boolean {
  const all = lines(d).slice(from);
  const causes = all.map((l, i) => /^\s*Caused by: /.test(l) ? i : -1).filter((i) => i >= 0);
  for (const start of [...causes.reverse(), 0]) {
    for (const l of all.slice(start)) {
      const m = l.match(FRAME);
      const cls = m?.[1].replace(/\.[^.]*$/, "");
      if (m && cls && !LIBRARY.test(cls)) {
        locate(d, sourcePath(cls, m[2]), m[3]);
        return true;
      }
    }
  }
  return false;
}

/** Lines of a stack trace after its headline. */
const traceLine = (plain: string) =>
  FRAME.test(plain) || /^\s+at \S|^\s*\.\.\. \d+ (more|common frames omitted)$/.test(plain) ||
  /^\s*(Caused by|Suppressed): /.test(plain) || EXCEPTION.test(plain);

// ------------------------------------------------------------------ javac

const javac: Rule = {
  name: "javac",
  start(plain) {
    const m = plain.match(/^(\S.*?\.java):(\d+): error: (.+)$/);
    return m && { tool: "javac", kind: "compile", message: m[3], file: m[1], line: Number(m[2]) };
  },
  // The source line, the caret, then "  symbol: …" / "  location: …" details.
  next(plain, d): Verdict {
    if (lines(d).length === 1 || CARET.test(plain)) return "take";
    return /^\s{2,}\S/.test(plain) && !/^\S.*\.java:\d+: /.test(plain) ? "take" : "stop";
  },
  finish(d) {
    const detail = lines(d).find((l) => /^\s+symbol:\s/.test(l));
    const head = lines(d)[0].match(/: error: (.+)$/)![1];
    d.error.message = detail ? `${head} (${detail.trim().replace(/\s+/g, " ")})` : head;
  },
};

// ------------------------------------------------------------------ maven

const maven: Rule = {
  name: "maven",
  start(plain) {
    const m = plain.match(/^\[ERROR\] (\S.*?\.(?:java|kt|scala|groovy)):\[(\d+),(\d+)\] (.+)$/);
    return m && at("maven", "compile", m[4], m[1], m[2], m[3]);
  },
  // "  symbol: …" details, unprefixed in the COMPILATION ERROR block, prefixed in the summary.
  next: (plain) =>
    /^(\[ERROR\])?\s{2,}(symbol|location|required|found|reason):/.test(plain) ? "take" : "stop",
  finish(d) {
    const head = lines(d)[0].match(/\] (\S.*?):\[\d+,\d+\] (.+)$/)![2];
    const detail = lines(d).find((l) => /symbol:\s/.test(l));
    d.error.message = detail
      ? `${head} (${detail.replace(/^\[ERROR\]/, "").trim().replace(/\s+/g, " ")})`
      : head;
  },
};

/**
 * Surefire: "[ERROR] com.example.CartTest.adds -- Time elapsed: 0.01 s <<< FAILURE!"
 * (Surefire 2 printed "adds(com.example.CartTest)  Time elapsed: … <<< FAILURE!", unprefixed)
 * and its trace.
 */
const SUREFIRE =
  /^(?:\[ERROR\] )?(\S+?)(?:\(([\w.$]+)\))?\s+(?:-- )?Time elapsed: .*<<< (?:FAILURE|ERROR)!$/;
/** Surefire 2's "method(com.example.Class)"; 3's "com.example.Class.method": "Class.method". */
const testName = (m: RegExpMatchArray) =>
  (m[2] ? `${m[2]}.${m[1]}` : m[1]).split(".").slice(-2).join(".");

const surefire: Rule = {
  name: "surefire",
  start(plain) {
    const m = plain.match(SUREFIRE);
    return m && { tool: "maven", kind: "test", message: testName(m) };
  },
  next: (plain) => !/^\[(INFO|ERROR|WARNING)\]/.test(plain) && traceLine(plain) ? "take" : "stop",
  finish(d) {
    const test = testName(lines(d)[0].match(SUREFIRE)!);
    const exc = lines(d).find((l) => EXCEPTION.test(l));
    d.error.message = exc ? `${test}: ${exc}` : test;
    ownFrame(d);
  },
};

/**
 * The first "[ERROR] …" of a build that no rule above claimed explains the
 * failure on its own (a plugin that cannot be resolved, a bad pom, "Failed to
 * execute goal … " with nothing above it); later ones repeat what was said.
 */
const mavenFirst: Rule = {
  name: "maven-error",
  start(plain, recent) {
    const m = plain.match(/^\[ERROR\] (\S.*)$/);
    if (!m || recent.some((l) => /^\[ERROR\] /.test(l.plain))) return null;
    return { tool: "maven", kind: "compile", message: m[1].replace(/ -> \[Help \d+\]$/, "") };
  },
  next: () => "stop",
};

// ----------------------------------------------------------------- gradle

/** "com.example.CartTest > totalWithDiscount FAILED", then "    java.lang.AssertionError at CartTest.java:11". */
const gradleTest: Rule = {
  name: "gradle-test",
  start(plain) {
    const m = plain.match(/^([\w.$]+) > (.+?) FAILED$/);
    return m && { tool: "gradle", kind: "test", message: `${m[1].split(".").at(-1)}.${m[2]}` };
  },
  next: (plain) => /^\s{4}\S/.test(plain) ? "take" : "stop",
  finish(d) {
    const cls = lines(d)[0].match(/^([\w.$]+) > /)![1];
    const why = lines(d).slice(1).map((l) => l.trim()).find((l) => l);
    if (!why) return;
    const m = why.match(/^(.*?) at ([\w$-]+\.(?:java|kt|groovy|scala)):(\d+)$/);
    d.error.message = `${
      lines(d)[0].replace(/ FAILED$/, "").replace(cls, cls.split(".").at(-1)!)
    }: ${m ? m[1] : why}`;
    if (m) locate(d, sourcePath(cls.replace(/\$.*/, ""), m[2]), m[3]);
    else ownFrame(d);
  },
};

/** Gradle's "* What went wrong:" when nothing above it was an error of its own. */
const gradleWrong: Rule = {
  name: "gradle-wrong",
  blanks: 0,
  start(plain, recent) {
    if (plain !== "* What went wrong:") return null;
    const explained = recent.some((l) =>
      /^\S.*\.(java|kt|groovy|scala):\d+: error: |^e: |^\S.* > .+ FAILED$|^\S.*\.kts?:\d+:\d+: error: /
        .test(l.plain)
    );
    if (explained) return null;
    // "* Where:" / "Build file '/…/build.gradle' line: 1" comes before it.
    const where = recent.slice(-4).map((l) => l.plain.match(/^Build file '(.+)' line: (\d+)$/))
      .find((m) => m);
    return {
      tool: "gradle",
      kind: "compile",
      message: plain,
      file: where?.[1] ?? null,
      line: where ? Number(where[2]) : null,
    };
  },
  next: (plain) => /^\* /.test(plain) ? "stop" : "take",
  finish(d) {
    const why = lines(d).slice(1).map((l) => l.trim()).filter((l) => l);
    if (why.length) d.error.message = why.join(" ");
  },
};

// ----------------------------------------------------------------- kotlin

const kotlinc: Rule = {
  name: "kotlinc",
  start(plain) {
    // kotlinc 1.x: "app.kt:2:5: error: unresolved reference: printn";
    // Kotlin 2 / Gradle: "e: file:///…/App.kt:2:5 Unresolved reference 'printn'."
    const m = plain.match(/^(\S+?\.kts?):(\d+):(\d+): error: (.+)$/) ??
      plain.match(/^e: (?:file:\/\/)?(\S+?\.kts?):(\d+):(\d+):? (.+)$/);
    return m && at("kotlinc", "compile", m[4], m[1], m[2], m[3]);
  },
  // The source line and the caret.
  next: (plain, d) =>
    lines(d).length < 3 && (lines(d).length === 1 || CARET.test(plain)) ? "take" : "stop",
};

// ------------------------------------------------------------- exceptions

/** An uncaught exception: "Exception in thread "main" java.lang.IllegalStateException: …". */
const uncaught: Rule = {
  name: "java-exception",
  start(plain) {
    const m = plain.match(/^Exception in thread "(.+?)" (\S.*)$/);
    return m && { tool: "java", kind: "runtime", message: m[2] };
  },
  next: (plain) => traceLine(plain) ? "take" : "stop",
  finish(d) {
    const causes = lines(d).filter((l) => /^Caused by: /.test(l));
    const root = causes.at(-1)?.replace(/^Caused by: /, "");
    const head = lines(d)[0].match(/^Exception in thread ".+?" (.*)$/)![1];
    d.error.message = root ? `${head} (caused by ${root})` : head;
    ownFrame(d);
  },
};

/** java.util.logging: "SEVERE: message" after its "Dec 08, 2026 1:14:33 AM Class method" line. */
const julSevere: Rule = {
  name: "jul-severe",
  start(plain, recent) {
    const m = plain.match(/^SEVERE: (.*)$/);
    if (!m) return null;
    const before = recent.at(-1);
    const header = before &&
      /^[A-Z][a-z]{2} \d\d?, \d{4} \d\d?:\d\d:\d\d [AP]M \S/.test(before.plain);
    return { tool: "java", kind: "runtime", message: m[1], prelude: header ? [before] : [] };
  },
  next: (plain) => traceLine(plain) ? "take" : "stop",
  finish: (d) => void ownFrame(d),
};

// ----------------------------------------------------------------- spring

/** Spring Boot's failure analysis: the banner, "Description:", "Action:". */
const springFailed: Rule = {
  name: "spring-failed",
  blanks: 1,
  start(plain) {
    return plain.trim() === "APPLICATION FAILED TO START"
      ? { tool: "spring", kind: "runtime", message: "APPLICATION FAILED TO START" }
      : null;
  },
  next(plain, d): Verdict {
    if (/^\*+$/.test(plain.trim()) || /^(Description|Action):$/.test(plain.trim())) return "take";
    // The action's text ends the report.
    if (d.state.action) return "last";
    if (lines(d).includes("Action:")) d.state.action = true;
    return /^\d{4}-\d\d-\d\d/.test(plain) ? "stop" : "take";
  },
  finish(d) {
    const all = lines(d).map((l) => l.trim());
    const i = all.indexOf("Description:");
    const end = all.indexOf("Action:");
    const text = all.slice(i + 1, end < 0 ? undefined : end).filter((l) => l && !/^\*+$/.test(l));
    if (i >= 0 && text.length) d.error.message = `APPLICATION FAILED TO START: ${text.join(" ")}`;
  },
};

/**
 * Logback's/Log4j's ERROR lines (Spring Boot's default format among them):
 * "2026-12-08T01:00:00.123Z ERROR 1234 --- [main] o.s.boot.SpringApplication : Application run failed".
 */
const logbackError: Rule = {
  name: "logback-error",
  start(plain) {
    const m = plain.match(
      /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+(?:Z|[+-]\d\d:?\d\d)?\s+(?:ERROR|FATAL)\s+(?:\d+\s+---\s+)?(?:\[[^\]]*\]\s+)*([\w.$]+)\s*:\s+(.*)$/,
    ) ??
      // Logback's default pattern: "01:00:00.123 [main] ERROR com.example.App - message".
      plain.match(/^\d\d:\d\d:\d\d\.\d{3} \[[^\]]+\] (?:ERROR|FATAL) +([\w.$]+) - (.*)$/);
    if (!m) return null;
    const tool = /^o\.s\.|^org\.springframework\./.test(m[1]) ? "spring" : "java";
    return { tool, kind: "runtime", message: m[2] };
  },
  next: (plain) => traceLine(plain) ? "take" : "stop",
  finish(d) {
    const root = lines(d).filter((l) => EXCEPTION.test(l)).at(-1);
    if (root) {
      d.error.message = `${d.error.message.replace(/ \(.*\)$/, "")} (${
        root.replace(/^Caused by: /, "")
      })`;
    }
    ownFrame(d);
  },
};

/**
 * An exception printed on its own (e.printStackTrace(), a framework's log):
 * "java.lang.IllegalStateException: boom" followed by its "\tat …" frames.
 * Only a fully qualified name at the start of a line, followed by frames, counts.
 */
const printed: Rule = {
  name: "java-stacktrace",
  start(plain) {
    const m = plain.match(/^([a-z][\w$]*(?:\.[\w$]+)+(?:Exception|Error))(?:: (.*))?$/);
    // An error only with its frames: a line that merely names an exception is not one.
    return m && { tool: "java", kind: "runtime", message: plain, tentative: true };
  },
  next: (plain) => traceLine(plain) ? "take" : "stop",
  finish(d) {
    if (lines(d).some((l) => /^\s+at \S/.test(l))) d.state.confirmed = true;
    const root = lines(d).filter((l) => /^Caused by: /.test(l)).at(-1);
    if (root) d.error.message = `${lines(d)[0]} (caused by ${root.replace(/^Caused by: /, "")})`;
    ownFrame(d);
  },
};

/** sbt: "[error] /abs/src/main/scala/Main.scala:5:3: not found: value x". */
const sbt: Rule = {
  name: "sbt",
  start(plain) {
    const m = plain.match(/^\[error\] (\S+?\.(?:scala|java)):(\d+):(\d+): (.+)$/);
    return m && at("sbt", "compile", m[4], m[1], m[2], m[3]);
  },
  // The source line and the caret, prefixed too.
  next: (plain, d) =>
    lines(d).length < 3 && /^\[error\] /.test(plain) && !/\.scala:\d+:\d+: /.test(plain)
      ? "take"
      : "stop",
};

export const family: Family = {
  name: "jvm",
  tools: [
    {
      tool: "maven",
      kinds: ["compile", "test"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "gradle",
      kinds: ["compile", "test"],
      resolves: "a continuous build's next `Change detected, executing build...`",
    },
    {
      tool: "javac",
      kinds: ["compile"],
      resolves: "nothing else: a one-shot, its next run (or its build's)",
    },
    {
      tool: "kotlinc",
      kinds: ["compile"],
      resolves: "nothing else: a one-shot, its next run (or its build's)",
    },
    {
      tool: "java",
      kinds: ["runtime"],
      resolves: "a restart by a watcher (uncaught exceptions, SEVERE and ERROR log lines)",
    },
    {
      tool: "sbt",
      kinds: ["compile"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "spring",
      kinds: ["runtime"],
      resolves: "a devtools restart (`Started …Application in …`)",
    },
  ],
  rules: [
    javac,
    maven,
    surefire,
    mavenFirst,
    gradleTest,
    gradleWrong,
    kotlinc,
    uncaught,
    julSevere,
    springFailed,
    logbackError,
    sbt,
    printed,
  ],
  mayStart:
    /\.java:\d+: error: |^\[ERROR\] |Time elapsed: .*<<< (FAILURE|ERROR)!$|^\S+ > .+ FAILED$|^\* What went wrong:|\.kts?:\d+:\d+: error: |^e: |^Exception in thread "|^SEVERE: |APPLICATION FAILED TO START|^\d\d:\d\d:\d\d\.\d{3} \[[^\]]+\] (ERROR|FATAL) |^\[error\] \S+\.(scala|java):\d|^[a-z][\w$]*(\.[\w$]+)+(Exception|Error)\b|^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+\S*\s+(ERROR|FATAL)/,
  // javac's and the java launcher's closing lines repeat the errors above them; so do
  // Maven's report lines around its errors (COMPILATION ERROR, Tests run, Failures, help).
  quiet:
    /^\d+ errors?$|^error: compilation failed$|^\[ERROR\] (?:COMPILATION ERROR|Tests run:|Failures:|Errors:|Flakes:|Crashed tests:|To see the full|Re-run Maven|For more information|See |-> \[Help|\[Help \d|\s|$)/,
  signals: [
    [/^Change detected, executing build\.\.\.$/, () => ({ type: "all" })],
    [/\bStarted \w+ in [\d.]+ seconds\b/, () => ({ type: "all" })],
  ],
  maySignal: /^Change detected|Started \w+ in /,
};
