package io.canarygateway.control;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;

/**
 * Told of every transition this gateway makes. Called after the new record is stored, on
 * the thread that made the change; an exception thrown here is logged and never undoes or
 * blocks the transition.
 */
@FunctionalInterface
public interface TransitionListener {

	void onTransition(ReleaseStatus release, Transition transition);

}
