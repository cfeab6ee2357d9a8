package io.canarygateway.sample.demo;

import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's output. Event lines (transitions, verdicts, the operator's actions) scroll;
 * below them, on a terminal, a block of status lines is redrawn in place with ANSI cursor
 * movement. Without a terminal the status is printed as plain timestamped lines instead,
 * when the caller asks for it. All output goes through one lock, so the traffic and the
 * shutdown hook never interleave with a redraw.
 */
final class Terminal {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

	private static final String ESC = "\u001b[";

	private final PrintStream out;

	private final boolean live;

	private final boolean color;

	private final boolean unicode;

	private final int width;

	private List<String> status = List.of();

	private int shown;

	private boolean cursorHidden;

	Terminal(PrintStream out, DemoOptions options) {
		this.out = out;
		this.live = options.live();
		this.color = options.color();
		this.unicode = options.unicode();
		this.width = options.width();
	}

	boolean live() {
		return this.live;
	}

	/** An instant as the event lines show the time: HH:mm:ss, local. */
	static String clock(Instant at) {
		return LocalTime.ofInstant(at, ZoneId.systemDefault()).format(TIME);
	}

	// ---- output ----

	/** Prints text above the status block (each line as it is; no timestamp). */
	synchronized void print(String text) {
		eraseStatus();
		this.out.println(text);
		redrawStatus();
	}

	/** Prints a timestamped event; continuation lines are indented under the text. */
	synchronized void event(String text) {
		String stamp = dim(LocalTime.now().format(TIME)) + "  ";
		String indent = " ".repeat(10);
		String[] lines = text.split("\n", -1);
		StringBuilder sb = new StringBuilder(stamp).append(lines[0]);
		for (int i = 1; i < lines.length; i++) {
			sb.append('\n').append(indent).append(lines[i]);
		}
		print(sb.toString());
	}

	/** Live mode: replaces the status block. */
	synchronized void status(List<String> lines) {
		if (!this.live) {
			return;
		}
		if (!this.cursorHidden) {
			this.out.print(ESC + "?25l");
			this.cursorHidden = true;
		}
		eraseStatus();
		this.status = new ArrayList<>(lines);
		redrawStatus();
	}

	/** Plain mode: the status as timestamped lines. */
	synchronized void plainStatus(List<String> lines) {
		String stamp = LocalTime.now().format(TIME) + "  ";
		for (String line : lines) {
			this.out.println(stamp + line);
		}
		this.out.flush();
	}

	/**
	 * Removes the status block for good (before the summary), and shows the cursor again.
	 */
	synchronized void endStatus() {
		eraseStatus();
		this.status = List.of();
		restoreCursor();
	}

	/** Shows the cursor again; for the shutdown hook. */
	synchronized void restoreCursor() {
		if (this.cursorHidden) {
			this.out.print(ESC + "?25h");
			this.out.flush();
			this.cursorHidden = false;
		}
	}

	private void eraseStatus() {
		if (this.live && this.shown > 0) {
			this.out.print("\r" + ESC + this.shown + "A" + ESC + "J");
			this.shown = 0;
		}
	}

	private void redrawStatus() {
		if (this.live && !this.status.isEmpty()) {
			StringBuilder sb = new StringBuilder();
			for (String line : this.status) {
				sb.append(fit(line)).append('\n');
			}
			this.out.print(sb);
			this.shown = this.status.size();
		}
		this.out.flush();
	}

	/**
	 * Cuts a line to the terminal's width, counting only visible characters (a wrapped
	 * line breaks the redraw).
	 */
	private String fit(String line) {
		int max = this.width - 1;
		StringBuilder sb = new StringBuilder();
		int visible = 0;
		boolean cut = false;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (c == '\u001b') {
				int end = line.indexOf('m', i);
				if (end < 0) {
					break;
				}
				sb.append(line, i, end + 1);
				i = end;
				continue;
			}
			if (visible >= max) {
				cut = true;
				continue;
			}
			sb.append(c);
			visible++;
		}
		if (cut && this.color) {
			sb.append(ESC).append("0m");
		}
		return sb.toString();
	}

	// ---- styling ----

	String bold(String s) {
		return style("1", s);
	}

	String dim(String s) {
		return style("2", s);
	}

	String red(String s) {
		return style("31", s);
	}

	String green(String s) {
		return style("32", s);
	}

	String yellow(String s) {
		return style("33", s);
	}

	String cyan(String s) {
		return style("36", s);
	}

	private String style(String code, String s) {
		return this.color ? ESC + code + "m" + s + ESC + "0m" : s;
	}

	/** A state in its colour. */
	String state(String state) {
		if (state == null) {
			return "?";
		}
		return switch (state) {
			case "PROMOTED" -> green(state);
			case "ROLLED_BACK" -> red(state);
			case "PAUSED" -> yellow(state);
			case "PROGRESSING" -> cyan(state);
			default -> state;
		};
	}

	/** A verdict in its colour. */
	String verdict(String verdict) {
		if (verdict == null) {
			return "-";
		}
		return switch (verdict) {
			case "pass" -> green("pass");
			case "fail" -> red("FAIL");
			default -> yellow(verdict);
		};
	}

	/** A progress bar of the canary weight. */
	String bar(int weight, int cells) {
		int filled = (int) Math.round(weight * cells / 100.0);
		String full = this.unicode ? "█" : "#";
		String empty = this.unicode ? "░" : ".";
		return "[" + green(full.repeat(filled)) + dim(empty.repeat(cells - filled)) + "]";
	}

	String arrow() {
		return this.unicode ? "→" : "->";
	}

	String rule(String title) {
		String line = this.unicode ? "━" : "=";
		String head = line.repeat(2) + " " + title + " ";
		int rest = Math.max(4, Math.min(this.width, 100) - 1 - head.length());
		return bold(head + line.repeat(rest));
	}

	String sep() {
		return this.unicode ? "│" : "|";
	}

	String check() {
		return this.unicode ? "✔" : "OK";
	}

	String cross() {
		return this.unicode ? "✘" : "FAILED";
	}

}
