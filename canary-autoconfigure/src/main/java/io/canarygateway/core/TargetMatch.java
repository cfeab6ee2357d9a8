package io.canarygateway.core;

/**
 * What a release's targeting rules say of one request (docs/routing.md, "Who sees the
 * canary").
 */
public enum TargetMatch {

	/** No rule decides: the sticky key or the draw does. */
	NONE,
	/** It matches an {@code always-for} rule: canary. */
	ALWAYS,
	/** The release has {@code only-for} rules and it matches none: stable. */
	EXCLUDED

}
