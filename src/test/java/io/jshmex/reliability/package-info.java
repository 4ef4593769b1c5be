/**
 * The reliability and security suite: each fault or hostile-input class is one test class that
 * injects its fault many times and, after each injection, counts what is left (segments of this
 * library in /dev/shm, live child processes), proves the pool still runs a task correctly, and
 * watches for crashes (a worker dead of a signal other than the test's own SIGKILL, an hs_err file,
 * a test JVM that never finished a class).
 *
 * <p>Two sizes, the same code:
 * <pre>
 *   mvn -B verify                                   # short form, part of every build
 *   mvn -B verify -Djshmex.reliability=long         # long form: 100 SIGKILLs, 1,000 throwing tasks,
 *                                                   # 100 + 100 cancels, 10,000 stress tasks over at
 *                                                   # least two minutes, 1,000 x 160 MB round trips,
 *                                                   # 500,000 fuzzed headers
 *   mvn -B verify -Djshmex.reliability=long -Dtest='io.jshmex.reliability.*Test' -Dsurefire.failIfNoSpecifiedTests=false
 *                                                   # the long form of this suite alone
 * </pre>
 * Every count is read through {@link io.jshmex.reliability.Scale#of}. Each class writes its line
 * to {@code target/reliability/results.tsv} through {@link io.jshmex.reliability.Tally}, and
 * {@link io.jshmex.reliability.Report} turns them into {@code target/reliability/what-we-test.md},
 * the table of the README, at the end of the test run. The C++ fuzzer's row is read from the logs
 * that {@code bash cppbuild.sh} leaves in {@code cppbuild/}.
 *
 * <p>Classes that need a small /dev/shm (a nearly full one, memory pressure) run a child JVM in a
 * private mount namespace with a tmpfs of its own over /dev/shm; that needs root and
 * {@code unshare(1)}, and the class is skipped (with the reason in the table) without them, or
 * falls back to the machine's /dev/shm where it can.
 */
package io.jshmex.reliability;
