package io.canarygateway.sample.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the demo runner was asked to do, and the timings of its two modes: the normal one
 * (about two minutes, paced for a person to follow) and {@code --fast} (a few seconds per
 * act, for the test).
 *
 * @param keep leave everything running after the acts, until Ctrl-C
 * @param fast short intervals and few steps (used by the test)
 * @param live redraw the status lines in place (a terminal); otherwise print plain
 * timestamped lines
 * @param color use ANSI colours
 * @param unicode draw with Unicode block characters and arrows rather than ASCII
 * @param width the terminal's width in columns (live mode truncates status lines to it)
 * @param port the gateway's port, 0 for a free one
 * @param rate requests per second the traffic generator sends (all routes together)
 * @param logFile where the applications' logs go, or {@code null} to leave logging alone
 * (tests)
 * @param help print the usage and exit
 */
public record DemoOptions(boolean keep, boolean fast, boolean live, boolean color, boolean unicode, int width, int port,
		int rate, Path logFile, boolean help) {

	static final String USAGE = """
			Usage: ./demo [options]

			Runs the Canary Gateway story on this machine: a sample gateway, two stable (v1) and one canary (v2)
			orders instances, payments v1/v2, and built-in traffic. Act 1 releases a bad canary (15 % errors,
			150 ms slower) that the judge rolls back; act 2 releases a good one that is promoted step by step;
			act 3 deploys orders v3 while the gateway runs and ships it against v2, retiring v1; act 4 ships v4,
			which waits at its last step until a local stand-in for a pipeline approves it (webhooks).

			Options:
			  --keep         after the acts, leave everything running (traffic too) and print the dashboard URL
			                 and curl commands; stop with Ctrl-C
			  --fast         short intervals and fewer steps: the whole story in well under a minute
			  --port N       gateway port (default: a free port)
			  --rate N       requests per second of generated traffic (default 175)
			  --plain        plain timestamped lines even on a terminal (default when output is not a terminal)
			  --live         redraw status lines in place (default on a terminal)
			  --no-color     no ANSI colours (also when NO_COLOR is set)
			  --ascii        ASCII only (default unless the locale is UTF-8)
			  --width N      terminal width for live mode (default: COLUMNS or 100)
			  --log-file F   where the applications' logs go (default: <tmp>/canary-demo.log)
			  --help         this text

			Exit status: 0 when act 1 ended ROLLED_BACK and acts 2, 3 and 4 PROMOTED, 1 when the story ended
			otherwise, 2 when something failed to start, 64 for a bad option, 130 when interrupted.
			""";

	/**
	 * The runner's defaults for this environment: live output only when
	 * {@code System.console()} is a terminal.
	 */
	static DemoOptions defaults() {
		boolean terminal = isTerminal();
		boolean utf8 = isUtf8Locale();
		int width = 100;
		String columns = System.getenv("COLUMNS");
		if (columns != null && columns.matches("\\d{2,4}")) {
			width = Integer.parseInt(columns);
		}
		return new DemoOptions(false, false, terminal, terminal && System.getenv("NO_COLOR") == null, utf8, width, 0,
				175, Path.of(System.getProperty("java.io.tmpdir"), "canary-demo.log"), false);
	}

	/**
	 * Parses the command line over {@link #defaults()}.
	 * @throws IllegalArgumentException for an unknown option or a bad value, with a
	 * message saying which
	 */
	static DemoOptions parse(String... args) {
		DemoOptions d = defaults();
		boolean keep = d.keep, fast = d.fast, live = d.live, unicode = d.unicode, help = false;
		Boolean color = null;
		int width = d.width, port = d.port, rate = d.rate;
		Path logFile = d.logFile;
		List<String> list = List.of(args);
		for (int i = 0; i < list.size(); i++) {
			String arg = list.get(i);
			String value = null;
			int eq = arg.indexOf('=');
			if (arg.startsWith("--") && eq > 0) {
				value = arg.substring(eq + 1);
				arg = arg.substring(0, eq);
			}
			switch (arg) {
				case "--keep" -> keep = true;
				case "--fast" -> fast = true;
				case "--plain" -> live = false;
				case "--live", "--tty" -> live = true;
				case "--no-color" -> color = false;
				case "--color" -> color = true;
				case "--ascii" -> unicode = false;
				case "--unicode" -> unicode = true;
				case "--port" -> port = number(arg, (value != null) ? value : next(list, ++i, arg), 0, 65535);
				case "--rate" -> rate = number(arg, (value != null) ? value : next(list, ++i, arg), 20, 5000);
				case "--width" -> { // whatever the terminal says, draw for 40 to 1000
									// columns
					int columns = number(arg, (value != null) ? value : next(list, ++i, arg), 1, 99999);
					width = Math.min(1000, Math.max(40, columns));
				}
				case "--log-file" -> {
					String file = (value != null) ? value : next(list, ++i, arg);
					logFile = file.isEmpty() ? null : Path.of(file);
				}
				case "--help", "-h" -> help = true;
				default -> throw new IllegalArgumentException("unknown option '" + list.get(i) + "' (see --help)");
			}
		}
		boolean useColor = (color != null) ? color : live && System.getenv("NO_COLOR") == null;
		return new DemoOptions(keep, fast, live, useColor, unicode, width, port, rate, logFile, help);
	}

	/** The same options for a test: fast, plain, no colour, ASCII, logging left alone. */
	static DemoOptions forTest() {
		return new DemoOptions(false, true, false, false, false, 100, 0, 250, null, false);
	}

	private static String next(List<String> args, int i, String option) {
		if (i >= args.size()) {
			throw new IllegalArgumentException(option + " needs a value (see --help)");
		}
		return args.get(i);
	}

	private static int number(String option, String value, int min, int max) {
		try {
			int n = Integer.parseInt(value.trim());
			if (n < min || n > max) {
				throw new IllegalArgumentException(
						option + " must be between " + min + " and " + max + ", was " + value);
			}
			return n;
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(option + " must be a number, was '" + value + "'");
		}
	}

	private static boolean isTerminal() {
		java.io.Console console = System.console();
		if (console == null) {
			return false;
		}
		try { // JDK 22+: System.console() is not null when redirected; isTerminal() tells
			return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
		}
		catch (ReflectiveOperationException ex) {
			return true; // JDK 17-21: a console means a terminal on both ends
		}
	}

	private static boolean isUtf8Locale() {
		for (String name : new String[] { "LC_ALL", "LC_CTYPE", "LANG" }) {
			String value = System.getenv(name);
			if (value != null && !value.isEmpty()) {
				String v = value.toLowerCase(Locale.ROOT);
				return v.contains("utf-8") || v.contains("utf8");
			}
		}
		return false;
	}

	// ---- the pace of the story ----

	/** How often the judge looks. */
	Duration analysisInterval() {
		return this.fast ? Duration.ofMillis(300) : Duration.ofSeconds(1);
	}

	/** Minimum time at each step. */
	Duration stepInterval() {
		return this.fast ? Duration.ofMillis(1500) : Duration.ofSeconds(8);
	}

	/**
	 * The canary's latency ceiling ({@code analysis.max-latency}), or {@code null} for
	 * the built-in 2 s. The fast mode (also the tests', on busy shared machines) raises
	 * it: a stall of the one machine everything runs on makes both lanes slow for
	 * seconds, and an absolute ceiling then fails a healthy canary. The story's bad
	 * canary is caught on its errors either way.
	 */
	Duration maxLatency() {
		return this.fast ? Duration.ofMinutes(1) : null;
	}

	/** Canary requests before the judge says anything but inconclusive. */
	int minRequests() {
		return this.fast ? 30 : 40;
	}

	/**
	 * Steps of the orders release. Promotion follows the last step, so the last step here
	 * is 50 %: its verdict compares the lanes over the same seconds. A 100 % step has no
	 * stable traffic of its own and is judged against the previous step's stable figures,
	 * so a slowdown of the whole machine during it (a demo runs everything on one, often
	 * busy, host) could fail a healthy canary.
	 */
	List<Integer> ordersSteps() {
		return this.fast ? List.of(10, 50) : List.of(5, 10, 25, 50);
	}

	/**
	 * Steps of the payments release; its manual gate (from application.yml) is at 50 %.
	 */
	List<Integer> paymentsSteps() {
		return this.fast ? List.of(25, 50) : List.of(10, 50);
	}

	/** How long an act may take before the demo says the story went wrong. */
	Duration actTimeout() {
		return this.fast ? Duration.ofSeconds(45) : Duration.ofSeconds(120);
	}

	/** Traffic before act 1, so that stable has a baseline and the JIT has warmed up. */
	Duration warmUp() {
		return this.fast ? Duration.ofSeconds(1) : Duration.ofSeconds(3);
	}

	/** Pause between the acts and before the operator approves a manual gate. */
	Duration breather() {
		return this.fast ? Duration.ofMillis(500) : Duration.ofSeconds(3);
	}

	/** How often the status is polled and drawn. */
	Duration pollInterval() {
		return this.fast ? Duration.ofMillis(150) : Duration.ofMillis(400);
	}

}
