package io.canarygateway.store.redis;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps what it was told, by level. */
final class RecordingLogger implements System.Logger {

	record Line(Level level, String message) {
	}

	final List<Line> lines = new CopyOnWriteArrayList<>();

	List<String> warnings() {
		return this.lines.stream().filter((l) -> l.level() == Level.WARNING).map(Line::message).toList();
	}

	List<String> infos() {
		return this.lines.stream().filter((l) -> l.level() == Level.INFO).map(Line::message).toList();
	}

	@Override
	public String getName() {
		return "recording";
	}

	@Override
	public boolean isLoggable(Level level) {
		return true;
	}

	@Override
	public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
		this.lines.add(new Line(level, msg));
	}

	@Override
	public void log(Level level, ResourceBundle bundle, String format, Object... params) {
		this.lines.add(new Line(level,
				(params == null || params.length == 0) ? format : MessageFormat.format(format, params)));
	}

}
