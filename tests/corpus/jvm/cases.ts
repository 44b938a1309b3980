// The JVM family's recorded cases: Maven (compile errors, Surefire test
// failures), Gradle (compile errors, test failures), javac, the java launcher
// (uncaught exceptions with "Caused by:" chains, java.util.logging's SEVERE
// lines) and kotlinc. Recorded by tests/corpus/record.ts with Debian's
// OpenJDK 17, Maven 3.8.7, Gradle 4.4.1 and Kotlin 1.3.31; Maven and Gradle
// resolve plugins and JUnit from the machine's local repository (~/.m2), so
// the poms pin versions found there. Spring Boot is not in that repository
// and Maven Central is out of reach here: no Spring Boot case.

import type { CaseDef } from "../case.ts";

const versions = { java: "17.0.15", maven: "3.8.7" };
const gradleVersions = { java: "17.0.15", gradle: "4.4.1" };

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>shop</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.11.4</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.5.4</version>
        <dependencies>
          <dependency>
            <groupId>org.codehaus.plexus</groupId>
            <artifactId>plexus-utils</artifactId>
            <version>3.5.1</version>
          </dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
</project>
`;

const MAIN = "src/main/java/com/example/";
const TEST = "src/test/java/com/example/";

const cart = (body: string) =>
  `package com.example;

import java.util.List;

public class Cart {
    public static int total(List<Integer> prices, int discount) {
${body}
    }

    public static int parseQuantity(String raw) {
        if (raw.isBlank()) {
            throw new IllegalArgumentException("quantity is empty");
        }
        return Integer.parseInt(raw.trim());
    }
}
`;
const CART_OK = cart(
  "        int sum = prices.stream().mapToInt(Integer::intValue).sum();\n        return sum - sum * discount / 100;",
);
const CART_BROKEN = cart(
  "        int sum = prices.stream().mapToInt(Integer::intValue).sum();\n        return sum - sum * discont / 100;",
);
const CART_TWO_ERRORS = cart(
  "        int sum = prices.stream().mapToInt(Integer::intValue).sum()\n        return sum - sum * discount / 100L;",
);

const cartTest = (want: number, quantity: string) =>
  `package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CartTest {
    @Test
    void totalWithDiscount() {
        assertEquals(${want}, Cart.total(List.of(10, 10), 50));
    }

    @Test
    void parsesQuantity() {
        assertEquals(3, Cart.parseQuantity("${quantity}"));
    }
}
`;

const NOISY_TEST = `package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CartErrorHandlingTest {
    @Test
    void errorHandlingRejectsEmptyQuantity() {
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Cart.parseQuantity(" "));
        System.out.println("ERROR expected and handled: " + e.getMessage());
    }

    @Test
    void failedParseThrowsNumberFormatException() {
        assertThrows(NumberFormatException.class, () -> Cart.parseQuantity("x"));
        System.out.println("[WARN] failed parse reported; 0 errors left");
    }

    @Test
    void totalWithoutDiscount() {
        assertEquals(20, Cart.total(List.of(10, 10), 0));
    }
}
`;

const javacApp = (body: string) =>
  `package com.example;

public class App {
    public static void main(String[] args) {
        Greeter greeter = new Greeter("buzz");
${body}
    }
}
`;
const GREETER = `package com.example;

public class Greeter {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    public String greet() {
        return "hello " + name;
    }
}
`;
const JAVAC_OK = javacApp("        System.out.println(greeter.greet());");
const JAVAC_BROKEN = javacApp(
  "        String text = greeter.greet(42);\n        System.out.println(txt);",
);

const launcher = (port: string, compiles = true) =>
  `import java.util.Map;

public class Server {
    public static void main(String[] args) {
        System.out.println("starting");
        int port = load(Map.of("port", "${port}"));
        System.out.println("listening on port " + port);
    }

    static int load(Map<String, String> config) {
        try {
            return Integer.parseInt(config.get("port"));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("bad config: port", e);
        }
    }
}
`.replace("int port = load", compiles ? "int port = load" : "int port = lod");

const jul = (fail: boolean) =>
  `import java.util.logging.Logger;

public class Worker {
    private static final Logger LOG = Logger.getLogger("worker");

    public static void main(String[] args) {
        LOG.info("processing 2 orders (0 failed so far)");
        LOG.warning("retrying order 41 after a timeout error");
        ${
    fail
      ? 'LOG.severe("charge failed for order 42: card declined");'
      : 'LOG.info("charged order 42");'
  }
        LOG.info("done");
    }
}
`;

const NOISY_LOG = `import java.util.logging.Logger;

public class Sync {
    private static final Logger LOG = Logger.getLogger("sync");

    public static void main(String[] args) {
        LOG.info("0 errors, 0 failed jobs in the last hour");
        LOG.info("handled exception: java.io.IOException: timeout (retried, ok)");
        LOG.warning("error budget 80% used (not an error yet)");
        System.out.println("Exception handling: enabled; FAILED jobs: none");
        System.out.println("[INFO] BUILD SUCCESS of the error index");
    }
}
`;

const GRADLE_BUILD = `apply plugin: 'java'

repositories {
    mavenLocal()
}

dependencies {
    testCompile 'junit:junit:4.13.2'
}
`;
/** No daemon outlives a recording. */
const GRADLE_PROPS = "org.gradle.daemon=false\n";
const GRADLE_PROJECT = {
  "build.gradle": GRADLE_BUILD,
  "gradle.properties": GRADLE_PROPS,
  "settings.gradle": "rootProject.name = 'shop'\n",
};
const junitTest = (want: number) =>
  `package com.example;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import org.junit.Test;

public class CartTest {
    @Test
    public void totalWithDiscount() {
        assertEquals(${want}, Cart.total(Arrays.asList(10, 10), 50));
    }
}
`;

const kotlinApp = (body: string) =>
  `fun total(prices: List<Int>, discount: Int): Int {
    val unusedErrorCount = 0
    val sum = prices.sum()
    return sum - sum * discount / 100
}

fun main(args: Array<String>) {
${body}
}
`;
const KT_OK = kotlinApp('    println("total: ${total(listOf(10, 10), 50)}")');
const KT_BROKEN = kotlinApp('    printn("total: ${totl(listOf(10, 10), 50)}")');

const LEGACY = `package com.example;

import java.util.Date;

public class Legacy {
    /** @deprecated use {@link #label()}; kept for the error report. */
    @Deprecated
    public static String errorLabel() {
        return "error";
    }

    public static int year() {
        return new Date().getYear() + 1900;
    }

    public static String label() {
        return errorLabel() + " (failed: 0)";
    }
}
`;

const UNCHECKED = `package com.example;

import java.util.ArrayList;
import java.util.List;

public class Errors {
    @SuppressWarnings("rawtypes")
    private static List raw = new ArrayList();

    @Deprecated
    public static String errorText() {
        return "error";
    }

    @SuppressWarnings("unchecked")
    public static List<String> failed() {
        raw.add(errorText());
        return raw;
    }

    public static int count() {
        return new java.util.Date().getHours() >= 0 ? failed().size() : 0;
    }
}
`;

const kotlinMain = (port: string) =>
  `data class Config(val port: Int)

fun load(raw: Map<String, String>): Config {
    val port = raw["port"] ?: error("port is missing")
    return Config(port.toInt())
}

fun main() {
    println("starting")
    println(load(mapOf("${port}" to "8080")))
}
`;

const RAW_ERRORS = `package com.example;

import java.util.ArrayList;
import java.util.List;

public class ErrorLog {
    private final List errors = new ArrayList();

    public void failed(String job) {
        errors.add("FAILED: " + job);
    }

    public int count() {
        return errors.size();
    }
}
`;

export const cases: CaseDef[] = [
  {
    name: "maven-compile-error",
    tool: "maven",
    about: "mvn compile: cannot find symbol (maven-compiler-plugin), then fixed",
    files: { "pom.xml": POM, [`${MAIN}Cart.java`]: CART_OK },
    command: ["mvn", "compile"],
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { [`${MAIN}Cart.java`]: CART_BROKEN } },
      { name: "fix", run: true, edit: { [`${MAIN}Cart.java`]: CART_OK } },
    ],
  },
  {
    name: "maven-compile-two-errors",
    tool: "maven",
    about: "mvn compile: a missing ';' and a lossy conversion in one file, then fixed",
    files: { "pom.xml": POM, [`${MAIN}Cart.java`]: CART_TWO_ERRORS },
    command: ["mvn", "compile"],
    versions,
    phases: [
      { name: "start" },
      {
        name: "half",
        run: true,
        edit: { [`${MAIN}Cart.java`]: CART_TWO_ERRORS.replace("sum()\n", "sum();\n") },
      },
      { name: "fix", run: true, edit: { [`${MAIN}Cart.java`]: CART_OK } },
    ],
  },
  {
    name: "maven-test-failures",
    tool: "maven",
    about:
      "mvn test: one assertion failure and one exception thrown in the code under test (Surefire), then fixed",
    files: {
      "pom.xml": POM,
      [`${MAIN}Cart.java`]: CART_OK,
      [`${TEST}CartTest.java`]: cartTest(15, " "),
    },
    command: ["mvn", "test"],
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { [`${TEST}CartTest.java`]: cartTest(10, " 3") } },
    ],
  },
  {
    name: "maven-test-clean",
    tool: "maven",
    about:
      "mvn test: passing tests named after errors and failures, printing ERROR/WARN words; Maven's [WARNING]s (clean)",
    files: {
      "pom.xml": POM,
      [`${MAIN}Cart.java`]: CART_OK,
      [`${TEST}CartErrorHandlingTest.java`]: NOISY_TEST,
    },
    command: ["mvn", "test"],
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "javac-errors",
    tool: "javac",
    about: "javac: a wrong argument count and an unknown variable across packages, then fixed",
    files: { "src/com/example/App.java": JAVAC_OK, "src/com/example/Greeter.java": GREETER },
    command: ["javac", "-d", "out", "src/com/example/App.java", "src/com/example/Greeter.java"],
    versions: { java: versions.java },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "src/com/example/App.java": JAVAC_BROKEN } },
      { name: "fix", run: true, edit: { "src/com/example/App.java": JAVAC_OK } },
    ],
  },
  {
    name: "java-exception-caused-by",
    tool: "java",
    about:
      "java Server.java: an uncaught exception with a Caused by: chain; a compile error; then fixed",
    files: { "Server.java": launcher("80a") },
    command: ["java", "Server.java"],
    versions: { java: versions.java },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "Server.java": launcher("8080", false) } },
      { name: "fix", run: true, edit: { "Server.java": launcher("8080") } },
    ],
  },
  {
    name: "java-logging-severe",
    tool: "java",
    about: "java.util.logging: a SEVERE line among INFO/WARNING ones, then a clean run",
    files: { "Worker.java": jul(true) },
    command: ["java", "Worker.java"],
    versions: { java: versions.java },
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "Worker.java": jul(false) } },
    ],
  },
  {
    name: "java-logging-clean",
    tool: "java",
    about:
      "java.util.logging INFO/WARNING lines and prints full of 'error', 'exception', 'FAILED' (clean)",
    files: { "Sync.java": NOISY_LOG },
    command: ["java", "Sync.java"],
    versions: { java: versions.java },
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "gradle-compile-error",
    tool: "gradle",
    about: "gradle build: a javac error in :compileJava, then fixed",
    files: {
      ...GRADLE_PROJECT,
      [`${MAIN}Cart.java`]: CART_OK,
    },
    command: ["gradle", "build"],
    versions: gradleVersions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { [`${MAIN}Cart.java`]: CART_BROKEN } },
      { name: "fix", run: true, edit: { [`${MAIN}Cart.java`]: CART_OK } },
    ],
  },
  {
    name: "gradle-test-fail",
    tool: "gradle",
    about: "gradle test: a failing JUnit 4 assertion, then fixed",
    files: {
      ...GRADLE_PROJECT,
      [`${MAIN}Cart.java`]: CART_OK,
      [`${TEST}CartTest.java`]: junitTest(15),
    },
    command: ["gradle", "test"],
    versions: gradleVersions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { [`${TEST}CartTest.java`]: junitTest(10) } },
    ],
  },
  {
    name: "kotlinc-errors",
    tool: "kotlinc",
    about:
      "kotlinc: warnings only (an unused variable named error), then unresolved references, then fixed",
    files: { "app.kt": KT_OK },
    command: ["kotlinc", "app.kt", "-d", "app.jar"],
    versions: { kotlinc: "1.3.31", java: versions.java },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "app.kt": KT_BROKEN } },
      { name: "fix", run: true, edit: { "app.kt": KT_OK } },
    ],
  },
  {
    name: "maven-compile-warnings-clean",
    tool: "maven",
    about:
      "mvn compile -Dmaven.compiler.showDeprecation: [WARNING] lines about deprecated APIs named 'error', BUILD SUCCESS (clean)",
    files: { "pom.xml": POM, [`${MAIN}Legacy.java`]: LEGACY },
    command: [
      "mvn",
      "compile",
      "-Dmaven.compiler.showDeprecation=true",
      "-Dmaven.compiler.showWarnings=true",
    ],
    versions,
    clean: true,
    phases: [{ name: "start" }, {
      name: "rerun",
      run: true,
      edit: { [`${MAIN}Legacy.java`]: LEGACY + "\n" },
    }],
  },
  {
    name: "maven-missing-dependency",
    tool: "maven",
    about:
      "mvn compile: a dependency version that does not exist cannot be resolved, then the version fixed",
    files: { "pom.xml": POM, [`${MAIN}Cart.java`]: CART_OK },
    command: ["mvn", "compile"],
    versions,
    phases: [
      { name: "start" },
      {
        name: "break",
        run: true,
        edit: { "pom.xml": POM.replace("<version>5.11.4</version>", "<version>5.99.0</version>") },
      },
      { name: "fix", run: true, edit: { "pom.xml": POM } },
    ],
  },
  {
    name: "gradle-script-error",
    tool: "gradle",
    about:
      "gradle build: a typo in build.gradle ('A problem occurred evaluating root project'), then fixed",
    files: {
      ...GRADLE_PROJECT,
      [`${MAIN}Cart.java`]: CART_OK,
    },
    command: ["gradle", "build"],
    versions: gradleVersions,
    phases: [
      { name: "start" },
      {
        name: "break",
        run: true,
        edit: {
          "build.gradle": GRADLE_BUILD.replace("apply plugin: 'java'", "apply plugin: 'jaav'"),
        },
      },
      { name: "fix", run: true, edit: { "build.gradle": GRADLE_BUILD } },
    ],
  },
  {
    name: "gradle-build-warnings-clean",
    tool: "gradle",
    about:
      "gradle build: javac's deprecation notes on a class named Errors, BUILD SUCCESSFUL (clean)",
    files: {
      ...GRADLE_PROJECT,
      "build.gradle": GRADLE_BUILD +
        "\ntasks.withType(JavaCompile) { options.compilerArgs << '-Xlint:deprecation' }\n",
      [`${MAIN}Errors.java`]: UNCHECKED,
    },
    command: ["gradle", "build"],
    versions: gradleVersions,
    clean: true,
    phases: [{ name: "start" }, {
      name: "rerun",
      run: true,
      edit: { [`${MAIN}Errors.java`]: UNCHECKED + "\n" },
    }],
  },
  {
    name: "kotlin-exception",
    tool: "java",
    about:
      "kotlinc app.kt && java -jar: Kotlin's error() throws IllegalStateException at run time, then fixed",
    files: { "app.kt": kotlinMain("prot") },
    command: [
      "sh",
      "-c",
      "kotlinc app.kt -include-runtime -d app.jar 2>/dev/null && java -jar app.jar",
    ],
    versions: { kotlinc: "1.3.31", java: versions.java },
    phases: [
      { name: "start", timeoutMs: 120_000 },
      { name: "fix", run: true, edit: { "app.kt": kotlinMain("port") }, timeoutMs: 120_000 },
    ],
  },
  {
    name: "javac-warnings-clean",
    tool: "javac",
    about:
      "javac -Xlint:all: rawtypes and unchecked warnings in a class named ErrorLog, compiled (clean)",
    files: { "src/com/example/ErrorLog.java": RAW_ERRORS },
    command: ["javac", "-Xlint:all", "-d", "out", "src/com/example/ErrorLog.java"],
    versions: { java: versions.java },
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "gradle-continuous",
    tool: "gradle",
    about:
      "gradle -t compileJava (continuous build): a javac error on save, then fixed on the next build",
    files: { ...GRADLE_PROJECT, [`${MAIN}Cart.java`]: CART_OK },
    command: ["gradle", "-t", "compileJava"],
    versions: gradleVersions,
    phases: [
      { name: "start", waitFor: "Waiting for changes", timeoutMs: 180_000 },
      {
        name: "break",
        edit: { [`${MAIN}Cart.java`]: CART_BROKEN },
        waitFor: "Change detected[\\s\\S]*Waiting for changes",
        timeoutMs: 180_000,
      },
      {
        name: "fix",
        edit: { [`${MAIN}Cart.java`]: CART_OK },
        waitFor: "Change detected[\\s\\S]*Waiting for changes",
        timeoutMs: 180_000,
      },
    ],
  },
];
