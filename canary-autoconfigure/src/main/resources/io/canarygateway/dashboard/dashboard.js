/*
 * Canary Gateway dashboard. Polls the canary actuator endpoint every second and draws one card per release;
 * its buttons POST to the same endpoint. No dependencies, no build step, nothing loaded from elsewhere.
 *
 *   GET  {endpoint}                    → {releases: {name: release}}    (which releases exist)
 *   GET  {endpoint}/{name}             → release, with traffic[]         (one per release and tick)
 *   POST {endpoint}/{name}/{action}    → release, or {status, error}     (weight: {"weight": n};
 *                                                                          start: optionally {"version": "v3"})
 *
 * A 401 opens a sign-in dialog; the credentials stay in this page's memory and go out as an
 * Authorization: Basic header. X-Requested-With keeps Spring Security from asking the browser for them.
 */
(function () {
  'use strict';

  var POLL_MS = 1000;
  var HIDDEN_POLL_MS = 5000;

  /** Which action each state allows (docs/operations.md, "Actions"); the endpoint has the last word. */
  var ALLOWED = {
    pause: ['PROGRESSING'],
    resume: ['PAUSED'],
    promote: ['PROGRESSING', 'PAUSED'],
    abort: ['PROGRESSING', 'PAUSED', 'PROMOTED'],
    start: ['IDLE', 'PROMOTED', 'ROLLED_BACK'],
    weight: ['PROGRESSING', 'PAUSED'],
    // start with a version ("Shipping the next version"): a new rollout from every state
    'start-version': ['IDLE', 'PROGRESSING', 'PAUSED', 'PROMOTED', 'ROLLED_BACK']
  };

  /** The endpoint's rule for a version (docs/operations.md, "Shipping the next version"). */
  var VERSION_FORM = /^[A-Za-z0-9._-]{1,64}$/;

  var ACTION_DONE = {
    pause: 'Paused', resume: 'Resumed', promote: 'Promoted', abort: 'Aborted: rolled back to stable',
    start: 'Restarted', weight: 'Weight set'
  };

  var HTTP_TEXT = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
    409: 'Conflict', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 502: 'Bad Gateway',
    503: 'Service Unavailable', 504: 'Gateway Timeout'
  };

  var meta = document.querySelector('meta[name="canary-endpoint"]');
  var endpoint = ((meta && meta.content) || '/actuator/canary').replace(/\/+$/, '');

  var credentials = null;     // {user, header}: in memory only
  var authRequest = null;     // the open sign-in dialog's {resolve}
  var WRONG_CREDENTIALS = '401 Unauthorized: the username or password was not accepted.';
  var readNeedsAuth = false;  // reading is protected too: stop polling until signed in
  var pollTimer = null;
  var polling = false;
  var cards = new Map();      // release name → card

  var el = {
    releases: document.getElementById('releases'),
    placeholder: document.getElementById('placeholder'),
    connection: document.getElementById('connection'),
    session: document.getElementById('session'),
    sessionUser: document.getElementById('session-user'),
    signOut: document.getElementById('sign-out'),
    template: document.getElementById('release-template'),
    auth: document.getElementById('auth'),
    authForm: document.getElementById('auth-form'),
    authMessage: document.getElementById('auth-message'),
    authError: document.getElementById('auth-error'),
    authUser: document.getElementById('auth-username'),
    authPassword: document.getElementById('auth-password'),
    authCancel: document.getElementById('auth-cancel'),
    signIn: document.getElementById('sign-in')
  };
  // the SVG namespace, taken from the template's own <svg> (parsed as SVG) rather than spelled out here
  var SVG_NS = el.template.content.querySelector('svg').namespaceURI;
  document.getElementById('endpoint-label').textContent = endpoint;

  // ---------------------------------------------------------------- HTTP

  function releaseUrl(name, action) {
    return endpoint + '/' + encodeURIComponent(name) + (action ? '/' + encodeURIComponent(action) : '');
  }

  /** One request to the endpoint; resolves to {status, ok, data, text} and rejects only when the network fails. */
  function call(method, url, body) {
    var headers = { 'Accept': 'application/json', 'X-Requested-With': 'XMLHttpRequest' };
    if (credentials) {
      headers['Authorization'] = credentials.header;
    }
    var init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var sentWith = credentials;
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        if (text) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        // sentWith: the credentials that went with the request, if any (a 401 then means they were not accepted)
        return { status: response.status, ok: response.ok, data: data, text: text, sentWith: sentWith };
      });
    });
  }

  function statusLine(status) {
    return status + (HTTP_TEXT[status] ? ' ' + HTTP_TEXT[status] : '');
  }

  function errorText(res) {
    var why = (res.data && (res.data.error || res.data.message)) || '';
    if (!why && res.text && res.text.length < 300 && res.text.charAt(0) !== '<') {
      why = res.text;
    }
    return statusLine(res.status) + (why ? ': ' + why : '');
  }

  function basicHeader(user, password) {
    var bytes = new TextEncoder().encode(user + ':' + password);
    var binary = '';
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return 'Basic ' + btoa(binary);
  }

  // ---------------------------------------------------------------- sign-in

  /**
   * Opens the sign-in dialog; resolves true once credentials are set, false when cancelled. While it is open,
   * another request that needs signing in waits for the same answer, and does not take away an error the dialog
   * shows (e.g. a poll that went out with the same wrong password).
   */
  function askCredentials(message, error) {
    if (authRequest && !error) {
      return authRequest.promise;
    }
    el.authMessage.textContent = message;
    el.authError.textContent = error || '';
    el.authError.hidden = !error;
    el.authPassword.value = '';
    if (authRequest) {
      return authRequest.promise;
    }
    var request = {};
    request.promise = new Promise(function (resolve) { request.resolve = resolve; });
    authRequest = request;
    if (!el.auth.open) {
      el.auth.showModal();
    }
    (el.authUser.value ? el.authPassword : el.authUser).focus();
    return request.promise;
  }

  function closeAuth(result) {
    var request = authRequest;
    authRequest = null;
    if (el.auth.open) {
      el.auth.close();
    }
    if (request) {
      request.resolve(result);
    }
  }

  el.authForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var user = el.authUser.value.trim();
    var password = el.authPassword.value;
    if (!user || !password) {
      el.authError.textContent = 'Enter a username and a password.';
      el.authError.hidden = false;
      return;
    }
    setCredentials({ user: user, header: basicHeader(user, password) });
    el.authPassword.value = '';
    closeAuth(true);
  });
  el.authCancel.addEventListener('click', function () { closeAuth(false); });
  el.auth.addEventListener('cancel', function (event) { event.preventDefault(); closeAuth(false); });
  el.signOut.addEventListener('click', function () { setCredentials(null); });
  el.signIn.addEventListener('click', function () {
    askCredentials('Sign in once to use the buttons without being asked again.', '');
  });

  /** Forgets credentials that were refused, unless others were entered since they were sent. */
  function forgetCredentials(refused) {
    if (refused !== null && credentials === refused) {
      setCredentials(null);
    }
  }

  function setCredentials(value) {
    credentials = value;
    el.session.hidden = !value;
    el.signIn.hidden = !!value;
    el.sessionUser.textContent = value ? value.user : '';
    if (value && readNeedsAuth) {
      readNeedsAuth = false;
      pollSoon(0);
    }
  }

  // ---------------------------------------------------------------- actions

  /** POSTs an action; {@code done} says what the notice reports on success (default: ACTION_DONE). */
  function act(card, action, body, done) {
    var label = done || ACTION_DONE[action] || action;
    setBusy(card, true);
    clearError(card);
    card.notice.textContent = 'Sending ' + action + '…';
    var attempt = function (retrying) {
      return call('POST', releaseUrl(card.name, action), body).then(function (res) {
        if (res.status !== 401) {
          return res;
        }
        var wrong = retrying || res.sentWith !== null;
        forgetCredentials(res.sentWith);
        return askCredentials(
          'Changing a release needs a username and password (the endpoint answered 401 Unauthorized). '
            + 'Sign in to send "' + action + '" for ' + card.name + '.',
          wrong ? WRONG_CREDENTIALS : ''
        ).then(function (signedIn) {
          return signedIn ? attempt(true) : { status: 401, cancelled: true };
        });
      });
    };
    return attempt(false).then(function (res) {
      if (res.cancelled) {
        card.notice.textContent = '';
        showError(card, '401 Unauthorized: "' + action + '" was not sent because signing in was cancelled.');
      }
      else if (res.ok) {
        card.notice.textContent = label + ' at ' + clock(new Date()) + '.';
        if (body && body.version) {
          card.versionInput.value = '';
        }
        if (res.data && res.data.release) {
          update(card, mergeTraffic(res.data, card.data));
        }
      }
      else if (res.status === 403) {
        card.notice.textContent = '';
        showError(card, '403 Forbidden: ' + (credentials ? 'user "' + credentials.user + '"' : 'this user')
          + ' may not ' + action + ' releases.' + (res.data && res.data.error ? ' ' + res.data.error : ''));
      }
      else {
        card.notice.textContent = '';
        showError(card, errorText(res));
      }
    }, function (failure) {
      card.notice.textContent = '';
      showError(card, 'Could not reach the gateway: ' + (failure && failure.message ? failure.message : failure));
    }).then(function () {
      setBusy(card, false);
      pollSoon(0);
    });
  }

  function mergeTraffic(release, previous) {
    if (!release.traffic && previous && previous.traffic) {
      release.traffic = previous.traffic;
    }
    return release;
  }

  function setBusy(card, busy) {
    card.busy = busy;
    card.element.setAttribute('aria-busy', busy ? 'true' : 'false');
    updateButtons(card);
  }

  function showError(card, text) {
    card.errorText.textContent = text;
    card.error.hidden = false;
  }

  function clearError(card) {
    card.errorText.textContent = '';
    card.error.hidden = true;
  }

  // ---------------------------------------------------------------- polling

  function pollSoon(delay) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, delay);
  }

  function poll() {
    if (polling) {
      return;
    }
    if (readNeedsAuth) {
      return; // resumes when credentials are set
    }
    polling = true;
    call('GET', endpoint).then(function (res) {
      if (res.status === 401 && res.sentWith !== null) {
        // the credentials that went with this read were refused (a wrong password just typed): forget them and
        // read without them at the next poll; an action that needs them asks again, saying they were wrong
        forgetCredentials(res.sentWith);
        return;
      }
      if (res.status === 401) {
        readNeedsAuth = true;
        setConnection('error', 'Reading ' + endpoint + ' needs signing in (401 Unauthorized).');
        askCredentials('Reading the releases needs a username and password (401 Unauthorized).', '');
        return;
      }
      if (res.status === 403) {
        setConnection('error', '403 Forbidden: ' + (credentials ? 'user "' + credentials.user + '"' : 'you')
          + ' may not read ' + endpoint + '.');
        return;
      }
      if (!res.ok || !res.data || typeof res.data.releases !== 'object') {
        var hint = res.status === 404
          ? ' Is the canary endpoint exposed (management.endpoints.web.exposure.include=canary)?' : '';
        setConnection('error', 'Cannot read ' + endpoint + ': ' + errorText(res) + '.' + hint);
        return;
      }
      var listed = res.data.releases || {};
      var names = Object.keys(listed);
      return Promise.all(names.map(function (name) {
        return call('GET', releaseUrl(name)).then(function (one) {
          return one.ok && one.data ? one.data : listed[name];
        }, function () {
          return listed[name];
        });
      })).then(function (releases) {
        render(names, releases);
        setConnection('live', 'Live · updated ' + clock(new Date()));
      });
    }).catch(function (failure) {
      setConnection('error', 'Cannot reach the gateway (' + (failure && failure.message ? failure.message : failure)
        + '); retrying.');
    }).then(function () {
      polling = false;
      pollSoon(document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    });
  }

  function setConnection(kind, text) {
    el.connection.className = 'connection ' + kind;
    el.connection.textContent = text;
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      pollSoon(0);
    }
  });

  // ---------------------------------------------------------------- rendering

  function render(names, releases) {
    el.placeholder.hidden = names.length > 0;
    if (!names.length) {
      el.placeholder.textContent = 'No releases are configured (canary.releases.*).';
    }
    var seen = new Set(names);
    cards.forEach(function (card, name) {
      if (!seen.has(name)) {
        card.element.remove();
        cards.delete(name);
      }
    });
    var previous = el.placeholder;
    names.forEach(function (name, index) {
      var card = cards.get(name);
      if (!card) {
        card = createCard(name, index);
        cards.set(name, card);
      }
      if (previous.nextElementSibling !== card.element) {
        // moved only when out of the endpoint's order: moving a card would take the focus from its input
        el.releases.insertBefore(card.element, previous.nextElementSibling);
      }
      previous = card.element;
      update(card, mergeTraffic(releases[index], card.data));
    });
  }

  function part(root, name) {
    return root.querySelector('[data-part="' + name + '"]');
  }

  function createCard(name, index) {
    var element = el.template.content.firstElementChild.cloneNode(true);
    var id = 'release-' + index;
    var card = {
      name: name, element: element, data: null, busy: false,
      state: part(element, 'state'), weight: part(element, 'weight'), weightBar: part(element, 'weight-bar'),
      weightValue: part(element, 'weight-value'), markers: part(element, 'markers'), scale: part(element, 'scale'),
      step: part(element, 'step'), waiting: part(element, 'waiting'), stable: part(element, 'stable'), canary: part(element, 'canary'),
      previous: part(element, 'previous'), previousFact: part(element, 'previous-fact'),
      targeting: part(element, 'targeting'), targetingFact: part(element, 'targeting-fact'),
      breaker: part(element, 'breaker'), since: part(element, 'since'), error: part(element, 'error'),
      errorText: part(element, 'error-text'), notice: part(element, 'notice'), verdict: part(element, 'verdict'),
      verdictAt: part(element, 'verdict-at'), figures: part(element, 'figures'), reasons: part(element, 'reasons'),
      statisticsBox: part(element, 'statistics-box'), statistics: part(element, 'statistics'),
      history: part(element, 'history'), weightInput: part(element, 'weight-input'),
      versionInput: part(element, 'rollout-input'), rolloutHint: part(element, 'rollout-hint'),
      buttons: Array.prototype.slice.call(element.querySelectorAll('button[data-action]')),
      charts: {}
    };
    element.id = id;
    element.setAttribute('aria-labelledby', id + '-name');
    element.setAttribute('data-testid', 'release-' + name);
    element.setAttribute('data-release', name);
    var title = part(element, 'name');
    title.id = id + '-name';
    title.textContent = name;
    card.state.setAttribute('data-testid', 'state-' + name);
    card.weight.setAttribute('data-testid', 'weight-' + name);
    card.weight.setAttribute('aria-labelledby', id + '-weight-title');
    part(element, 'weight-title').id = id + '-weight-title';
    card.breaker.setAttribute('data-testid', 'breaker-' + name);
    card.error.setAttribute('data-testid', 'error-' + name);
    card.notice.setAttribute('data-testid', 'notice-' + name);
    card.verdict.setAttribute('data-testid', 'verdict-' + name);
    card.history.setAttribute('data-testid', 'history-' + name);
    part(element, 'controls').setAttribute('aria-labelledby', id + '-controls');
    part(element, 'controls-title').id = id + '-controls';
    part(element, 'controls-title').textContent = 'Actions for ' + name;
    card.weightInput.id = id + '-weight-input';
    card.weightInput.setAttribute('data-testid', 'weight-input-' + name);
    part(element, 'weight-label').setAttribute('for', id + '-weight-input');
    card.versionInput.id = id + '-version-input';
    card.versionInput.setAttribute('data-testid', 'version-input-' + name);
    card.versionInput.setAttribute('aria-describedby', id + '-rollout-hint');
    card.rolloutHint.id = id + '-rollout-hint';
    card.rolloutHint.setAttribute('data-testid', 'rollout-hint-' + name);
    part(element, 'rollout-label').setAttribute('for', id + '-version-input');
    card.previous.setAttribute('data-testid', 'previous-' + name);
    card.targeting.setAttribute('data-testid', 'targeting-' + name);
    card.stable.setAttribute('data-testid', 'stable-' + name);
    card.canary.setAttribute('data-testid', 'canary-' + name);

    card.buttons.forEach(function (button) {
      var action = button.getAttribute('data-action');
      button.setAttribute('data-testid', (action === 'weight' ? 'set-weight' : action) + '-' + name);
      button.setAttribute('aria-label', (button.getAttribute('data-label') || button.textContent) + ' ' + name);
      if (button.type !== 'submit') {
        button.addEventListener('click', function () { act(card, action); });
      }
    });
    part(element, 'weight-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var raw = card.weightInput.value.trim();
      var weight = Number(raw);
      if (raw === '' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
        showError(card, 'The weight must be a whole number from 0 to 100.');
        card.weightInput.focus();
        return;
      }
      act(card, 'weight', { weight: weight });
    });
    part(element, 'rollout-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var version = card.versionInput.value.trim();
      if (!VERSION_FORM.test(version)) {
        showError(card, version === ''
          ? 'Type the version to roll out, for example v3.'
          : 'A version is 1 to 64 letters, digits, ".", "_" or "-" (no spaces); "' + version + '" is not one.');
        card.versionInput.focus();
        return;
      }
      act(card, 'start', { version: version }, 'Started ' + version);
    });
    part(element, 'dismiss').addEventListener('click', function () { clearError(card); });

    element.querySelectorAll('figure[data-chart]').forEach(function (figure) {
      var kind = figure.getAttribute('data-chart');
      var svg = figure.querySelector('svg');
      svg.setAttribute('data-testid', 'chart-' + name + '-' + kind);
      figure.setAttribute('data-testid', 'figure-' + name + '-' + kind);
      card.charts[kind] = { figure: figure, svg: svg, legend: part(figure, 'legend') };
    });
    return card;
  }

  function update(card, release) {
    if (!release) {
      return;
    }
    card.data = release;
    var state = String(release.state || 'UNKNOWN');
    card.element.setAttribute('data-state', state);
    card.state.textContent = state;
    card.state.className = 'badge state state-' + state.toLowerCase().replace(/_/g, '-');
    card.stable.textContent = versionText(release.stableVersion);
    card.canary.textContent = versionText(release.canaryVersion);
    card.previous.textContent = release.previousVersion || '';
    card.previousFact.hidden = !release.previousVersion;
    var targeting = targetingText(release);
    card.targeting.textContent = targeting;
    card.targetingFact.hidden = !targeting;
    var breaker = String(release.breaker || 'UNKNOWN');
    card.breaker.textContent = breaker;
    card.breaker.className = 'badge breaker breaker-' + breaker.toLowerCase().replace(/_/g, '-');
    card.since.textContent = sinceText(release);

    renderWeight(card, release);
    // a webhook gate holding the release, e.g. "waiting for confirm-promotion hook 'approve': 403"
    card.waiting.textContent = release.waiting || '';
    card.waiting.hidden = !release.waiting;
    updateButtons(card);
    renderVerdict(card, release.analysis);
    renderCharts(card, release.traffic || []);
    renderHistory(card, release.history || []);
  }

  function sinceText(release) {
    var history = release.history || [];
    var last = history.length ? history[history.length - 1] : null;
    var at = last ? last.at : release.stepStartedAt;
    var text = at ? clock(new Date(at)) + ' (' + ago(at) + ')' : '–';
    return release.reason ? text + ' · ' + release.reason : text;
  }

  function renderWeight(card, release) {
    var weight = clamp(Number(release.weight) || 0, 0, 100);
    var steps = release.steps || [];
    card.weightValue.textContent = weight + ' %';
    card.weightBar.style.width = weight + '%';
    card.weight.setAttribute('aria-valuenow', String(weight));
    card.weight.setAttribute('data-value', String(weight));
    var stepText = stepDescription(release, steps);
    card.weight.setAttribute('aria-valuetext', weight + ' percent to the canary. ' + stepText);
    card.step.textContent = stepText;

    var key = steps.join(',');
    if (card.stepsKey !== key) {
      card.stepsKey = key;
      card.markers.replaceChildren();
      card.scale.replaceChildren();
      steps.forEach(function (step) {
        var marker = document.createElement('span');
        marker.className = 'marker';
        marker.style.left = step + '%';
        marker.title = 'Step: ' + step + ' %';
        card.markers.appendChild(marker);
        var label = document.createElement('span');
        label.textContent = step;
        label.style.left = step + '%';
        card.scale.appendChild(label);
      });
    }
    Array.prototype.forEach.call(card.markers.children, function (marker, i) {
      marker.classList.toggle('reached', steps[i] <= weight);
    });
  }

  // the release's targeting rules, as the endpoint describes them
  function targetingText(release) {
    var parts = [];
    if (release.alwaysFor && release.alwaysFor.length) {
      parts.push('always canary for ' + release.alwaysFor.join(' or '));
    }
    if (release.onlyFor && release.onlyFor.length) {
      parts.push('only ' + release.onlyFor.join(' or ') + ' may get the canary');
    }
    return parts.join('; ');
  }

  function stepDescription(release, steps) {
    var since = release.stepStartedAt
      ? ', since ' + clock(new Date(release.stepStartedAt)) + ' (' + ago(release.stepStartedAt) + ')' : '';
    var step = release.step >= 0 && steps.length ? 'step ' + (release.step + 1) + ' of ' + steps.length : '';
    switch (release.state) {
      case 'PROGRESSING': return (step ? 'At ' + step : 'Starting') + since + '.';
      case 'PAUSED': return 'Paused' + (step ? ' after ' + step : '') + since + '.';
      case 'PROMOTED': return 'Promoted: all traffic goes to ' + (release.canaryVersion || 'the canary') + '.';
      case 'ROLLED_BACK': return 'Rolled back: all traffic goes to ' + (release.stableVersion || 'stable') + '.';
      case 'IDLE': return 'Not started: all traffic goes to ' + (release.stableVersion || 'stable') + '.';
      default: return step ? step + since + '.' : '';
    }
  }

  function updateButtons(card) {
    var state = card.data ? card.data.state : null;
    card.buttons.forEach(function (button) {
      var action = button.getAttribute('data-action');
      var allowed = state !== null && ALLOWED[action] && ALLOWED[action].indexOf(state) >= 0;
      button.disabled = card.busy || !allowed;
      button.title = allowed ? '' : 'Not possible while ' + (state || 'loading');
    });
    card.weightInput.disabled = card.busy || !(state && ALLOWED.weight.indexOf(state) >= 0);
    card.weightInput.placeholder = card.data ? String(card.data.weight) : '';
    card.versionInput.disabled = card.busy || !(state && ALLOWED['start-version'].indexOf(state) >= 0);
    card.rolloutHint.textContent = card.data ? rolloutHint(card.data) : '';
  }

  /** What starting a new version would do, in the release's current state. */
  function rolloutHint(release) {
    var stable = release.stableVersion || 'stable';
    var canary = release.canaryVersion;
    switch (release.state) {
      case 'PROMOTED':
        return canary
          ? 'Hands over: ' + canary + ' becomes stable and the new version rolls out against it; ' + stable
            + ' gets no more requests.'
          : 'Rolls the new version out against ' + stable + '.';
      case 'PROGRESSING':
      case 'PAUSED':
        return 'Replaces the rollout of ' + (canary || 'the canary') + ': the new version starts again at the '
          + 'first step, against ' + stable + '.';
      default:
        return 'Rolls the new version out against ' + stable + '.';
    }
  }

  /**
   * A version as the card shows it: a release of several services has one per service
   * ("orders=v2,payments=v8" reads "orders v2 · payments v8").
   */
  function versionText(version) {
    if (!version) {
      return '–';
    }
    return String(version).split(',').map(function (pair) {
      return pair.replace('=', ' ');
    }).join(' · ');
  }

  /** A row of the verdict's figures: its heading, then requests, errors, error rate, p99. */
  function figuresRow(heading, figures) {
    figures = figures || {};
    var row = document.createElement('tr');
    var head = document.createElement('th');
    head.scope = 'row';
    head.append.apply(head, heading);
    row.appendChild(head);
    [count(figures.requests), count(figures.errors), percent(figures.errorRate), millis(figures.p99Ms)]
      .forEach(function (text) {
        var td = document.createElement('td');
        td.textContent = text;
        row.appendChild(td);
      });
    return row;
  }

  function renderVerdict(card, analysis) {
    card.figures.replaceChildren();
    card.reasons.replaceChildren();
    card.statistics.replaceChildren();
    if (!analysis) {
      card.verdict.textContent = 'none yet';
      card.verdict.className = 'badge verdict verdict-none';
      card.verdictAt.textContent = '';
      card.statisticsBox.hidden = true;
      var row = document.createElement('tr');
      var cell = document.createElement('td');
      cell.colSpan = 5;
      cell.className = 'muted';
      cell.textContent = 'The judge has not looked at this release yet.';
      row.appendChild(cell);
      card.figures.appendChild(row);
      return;
    }
    var verdict = String(analysis.verdict || 'unknown');
    card.verdict.textContent = verdict;
    card.verdict.className = 'badge verdict verdict-' + verdict.toLowerCase();
    card.verdictAt.textContent = analysis.at ? clock(new Date(analysis.at)) + ' (' + ago(analysis.at) + ')' : '';
    ['stable', 'canary'].forEach(function (lane) {
      var swatch = document.createElement('span');
      swatch.className = 'swatch ' + lane;
      swatch.setAttribute('aria-hidden', 'true');
      var row = figuresRow([swatch, lane], analysis[lane]);
      row.className = 'lane-' + lane;
      card.figures.appendChild(row);
    });
    // a release of several services: each service's own figures under the release's
    var services = analysis.services || {};
    Object.keys(services).forEach(function (service) {
      ['stable', 'canary'].forEach(function (lane) {
        var row = figuresRow([service + ' · ' + lane], services[service][lane]);
        row.className = 'service lane-' + lane;
        row.dataset.service = service;
        card.figures.appendChild(row);
      });
    });
    (analysis.reasons || []).forEach(function (reason) {
      var li = document.createElement('li');
      li.textContent = reason;
      card.reasons.appendChild(li);
    });
    var statistics = analysis.statistics || {};
    var keys = Object.keys(statistics);
    card.statisticsBox.hidden = keys.length === 0;
    keys.forEach(function (key) {
      var div = document.createElement('div');
      var dt = document.createElement('dt');
      dt.textContent = key;
      var dd = document.createElement('dd');
      dd.textContent = number(statistics[key]);
      div.append(dt, dd);
      card.statistics.appendChild(div);
    });
  }

  function renderHistory(card, history) {
    var key = history.length + ':' + (history.length ? history[history.length - 1].at : '');
    if (card.historyKey === key) {
      return;
    }
    card.historyKey = key;
    card.history.replaceChildren();
    if (!history.length) {
      var empty = document.createElement('tr');
      var cell = document.createElement('td');
      cell.colSpan = 7;
      cell.className = 'muted';
      cell.textContent = 'No transitions yet.';
      empty.appendChild(cell);
      card.history.appendChild(empty);
      return;
    }
    history.slice().reverse().forEach(function (t) {
      var row = document.createElement('tr');
      var time = document.createElement('td');
      var stamp = document.createElement('time');
      stamp.dateTime = t.at;
      stamp.title = new Date(t.at).toLocaleString();
      stamp.textContent = clock(new Date(t.at));
      time.appendChild(stamp);
      var move = document.createElement('td');
      move.append(stateChip(t.from), ' → ', stateChip(t.to));
      var version = document.createElement('td');
      version.className = 'version';
      version.textContent = t.version || '';
      var reason = document.createElement('td');
      reason.textContent = t.reason || '';
      var by = document.createElement('td');
      by.textContent = t.by || '';
      var weight = document.createElement('td');
      weight.textContent = t.weight + ' %';
      var evidence = document.createElement('td');
      evidence.className = 'evidence';
      evidence.textContent = evidenceText(t.evidence);
      row.append(time, move, version, reason, by, weight, evidence);
      card.history.appendChild(row);
    });
  }

  function stateChip(state) {
    var chip = document.createElement('span');
    chip.className = 'chip state-' + String(state).toLowerCase().replace(/_/g, '-');
    chip.textContent = state;
    return chip;
  }

  function evidenceText(evidence) {
    if (!evidence) {
      return '–';
    }
    var s = evidence.stable || {};
    var c = evidence.canary || {};
    var text = evidence.verdict + ': canary ' + count(c.requests) + ' req, ' + percent(c.errorRate) + ' errors, p99 '
      + millis(c.p99Ms) + ' · stable ' + count(s.requests) + ' req, ' + percent(s.errorRate) + ', p99 '
      + millis(s.p99Ms);
    if (evidence.reasons && evidence.reasons.length) {
      text += ' — ' + evidence.reasons.join('; ');
    }
    return text;
  }

  // ---------------------------------------------------------------- charts

  var CHARTS = {
    weight: {
      label: 'Canary weight', unit: '%', fixedMax: 100, step: true,
      series: [{ lane: 'canary', name: 'weight', value: function (p) { return p.weight; } }],
      format: function (v) { return Math.round(v) + ' %'; }
    },
    rps: {
      label: 'Requests per second', unit: '/s', minMax: 1,
      series: [
        { lane: 'stable', name: 'stable', value: function (p) { return rate(p, p.stable); } },
        { lane: 'canary', name: 'canary', value: function (p) { return rate(p, p.canary); } }
      ],
      format: function (v) { return short(v) + '/s'; }
    },
    errors: {
      label: 'Error rate', unit: '%', minMax: 1,
      series: [
        { lane: 'stable', name: 'stable', value: function (p) { return lanePercent(p.stable); } },
        { lane: 'canary', name: 'canary', value: function (p) { return lanePercent(p.canary); } }
      ],
      format: function (v) { return short(v) + ' %'; }
    },
    p99: {
      label: 'p99 latency', unit: 'ms', minMax: 10,
      series: [
        { lane: 'stable', name: 'stable', value: function (p) { return laneP99(p.stable); } },
        { lane: 'canary', name: 'canary', value: function (p) { return laneP99(p.canary); } }
      ],
      format: function (v) { return millis(v); }
    }
  };

  function rate(point, lane) {
    return lane && point.seconds > 0 ? (lane.requests || 0) / point.seconds : 0;
  }

  function lanePercent(lane) {
    return lane && lane.requests > 0 ? (lane.errorRate || 0) * 100 : null; // no requests: a gap, not 0 %
  }

  function laneP99(lane) {
    return lane && lane.requests > 0 ? (lane.p99Ms || 0) : null;
  }

  function renderCharts(card, traffic) {
    var points = traffic.filter(function (p) { return p && p.at; });
    var times = points.map(function (p) { return Date.parse(p.at); });
    Object.keys(CHARTS).forEach(function (kind) {
      drawChart(card.charts[kind], CHARTS[kind], points, times);
    });
  }

  function svgEl(name, attributes, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function drawChart(chart, spec, points, times) {
    var svg = chart.svg;
    var box = svg.getBoundingClientRect();
    var width = Math.max(Math.round(box.width) || 360, 120);
    var height = Math.max(Math.round(box.height) || 140, 80);
    var m = { left: 46, right: 10, top: 8, bottom: 20 };
    var plotW = width - m.left - m.right;
    var plotH = height - m.top - m.bottom;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('data-points', String(points.length));
    svg.setAttribute('data-last', points.length ? String(points[points.length - 1].at) : '');
    svg.replaceChildren();

    var values = spec.series.map(function (s) { return points.map(s.value); });
    var latest = spec.series.map(function (s, i) { return lastNumber(values[i]); });
    chart.legend.replaceChildren();
    spec.series.forEach(function (s, i) {
      var key = document.createElement('span');
      key.className = 'key ' + s.lane;
      var swatch = document.createElement('span');
      swatch.className = 'swatch ' + s.lane;
      swatch.setAttribute('aria-hidden', 'true');
      key.append(swatch, (spec.series.length > 1 ? s.name + ' ' : '')
        + (latest[i] === null ? '–' : spec.format(latest[i])));
      chart.legend.appendChild(key);
    });

    var summary = spec.series.map(function (s, i) {
      return (spec.series.length > 1 ? s.name + ' ' : '') + (latest[i] === null ? 'no data' : spec.format(latest[i]));
    }).join(', ');
    svg.appendChild(svgEl('title', {}, spec.label + (points.length ? ': ' + summary : ': no data yet')));
    svg.setAttribute('aria-label', spec.label + (points.length
      ? ', latest ' + summary + ', over the last ' + duration((times[times.length - 1] - times[0]) / 1000)
      : ', no data yet'));

    if (!points.length) {
      svg.appendChild(svgEl('rect', { x: m.left, y: m.top, width: plotW, height: plotH, class: 'plot' }));
      svg.appendChild(svgEl('text', { x: m.left + plotW / 2, y: m.top + plotH / 2, class: 'empty',
        'text-anchor': 'middle', 'dominant-baseline': 'middle' }, 'Waiting for traffic…'));
      return;
    }

    var max = 0;
    values.forEach(function (vs) { vs.forEach(function (v) { if (v !== null && v > max) { max = v; } }); });
    var yMax = spec.fixedMax || niceCeiling(Math.max(max, spec.minMax || 1));
    var first = points[0];
    var t1 = times[times.length - 1];
    var t0 = Math.min(times[0] - (first.seconds || 0) * 1000, t1 - 30000); // at least 30 s wide
    var x = function (t) { return m.left + (t - t0) / (t1 - t0) * plotW; };
    var y = function (v) { return m.top + plotH - (Math.min(v, yMax) / yMax) * plotH; };

    svg.appendChild(svgEl('rect', { x: m.left, y: m.top, width: plotW, height: plotH, class: 'plot' }));
    ticks(yMax).forEach(function (v) {
      var yy = round1(y(v));
      svg.appendChild(svgEl('line', { x1: m.left, x2: m.left + plotW, y1: yy, y2: yy, class: 'grid' }));
      svg.appendChild(svgEl('text', { x: m.left - 6, y: yy, class: 'axis', 'text-anchor': 'end',
        'dominant-baseline': 'middle' }, spec.format(v)));
    });
    [t0, (t0 + t1) / 2, t1].forEach(function (t, i) {
      svg.appendChild(svgEl('text', { x: round1(x(t)), y: height - 5, class: 'axis',
        'text-anchor': i === 0 ? 'start' : (i === 2 ? 'end' : 'middle') }, clock(new Date(t))));
    });

    spec.series.forEach(function (s, i) {
      var d = linePath(values[i], times, x, y, spec.step);
      if (spec.step && d) {
        var area = d + ' L' + round1(x(times[times.length - 1])) + ',' + round1(y(0)) + ' L'
          + round1(x(firstTime(values[i], times))) + ',' + round1(y(0)) + ' Z';
        svg.appendChild(svgEl('path', { d: area, class: 'area ' + s.lane }));
      }
      if (d) {
        svg.appendChild(svgEl('path', { d: d, class: 'line ' + s.lane, 'data-lane': s.lane }));
      }
      var lastIndex = lastIndexOfNumber(values[i]);
      if (lastIndex >= 0) {
        svg.appendChild(svgEl('circle', { cx: round1(x(times[lastIndex])), cy: round1(y(values[i][lastIndex])),
          r: 3, class: 'dot ' + s.lane }));
      }
    });
  }

  /** An SVG path through the points; null values break the line. Step charts hold each value until the next. */
  function linePath(values, times, x, y, step) {
    var d = '';
    var open = false;
    var previousY = 0;
    values.forEach(function (v, i) {
      if (v === null || v === undefined || isNaN(v)) {
        open = false;
        return;
      }
      var px = round1(x(times[i]));
      var py = round1(y(v));
      if (!open) {
        d += (d ? ' ' : '') + 'M' + px + ',' + py;
        open = true;
      }
      else if (step) {
        d += ' L' + px + ',' + previousY + ' L' + px + ',' + py;
      }
      else {
        d += ' L' + px + ',' + py;
      }
      previousY = py;
    });
    return d;
  }

  function firstTime(values, times) {
    for (var i = 0; i < values.length; i++) {
      if (values[i] !== null) {
        return times[i];
      }
    }
    return times[0];
  }

  function lastIndexOfNumber(values) {
    for (var i = values.length - 1; i >= 0; i--) {
      if (values[i] !== null && values[i] !== undefined && !isNaN(values[i])) {
        return i;
      }
    }
    return -1;
  }

  function lastNumber(values) {
    var i = lastIndexOfNumber(values);
    return i >= 0 ? values[i] : null;
  }

  function niceCeiling(value) {
    var exponent = Math.pow(10, Math.floor(Math.log10(value)));
    var fraction = value / exponent;
    var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
    return nice * exponent;
  }

  /** Grid values from 0 to a nice maximum, at a nice step: 1 → quarters, 2 → halves, 2.5 and 5 → fifths, … */
  function ticks(max) {
    var fraction = max / Math.pow(10, Math.floor(Math.log10(max)));
    var count = fraction === 2.5 || fraction === 5 ? 5 : 4;
    var out = [];
    for (var i = 0; i <= count; i++) {
      out.push(max * i / count);
    }
    return out;
  }

  // ---------------------------------------------------------------- formatting

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function round1(v) { return Math.round(v * 10) / 10; }

  function trim(text) { return text.replace(/\.0$/, ''); }

  function short(v) { return String(+v.toFixed(v < 1 ? 2 : v < 10 ? 1 : 0)); }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function clock(date) {
    return isNaN(date) ? '–' : pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) { return seconds + ' s'; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + ' min' + (seconds % 60 ? ' ' + (seconds % 60) + ' s' : ''); }
    return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
  }

  function ago(at) {
    var ms = Date.now() - Date.parse(at);
    return isNaN(ms) ? '' : duration(ms / 1000) + ' ago';
  }

  function count(v) { return v === undefined || v === null ? '–' : Number(v).toLocaleString('en-US'); }

  function percent(v) {
    if (v === undefined || v === null || isNaN(v)) { return '–'; }
    var p = v * 100;
    return (p === 0 ? '0' : p < 0.1 ? p.toFixed(2) : p < 10 ? p.toFixed(1) : Math.round(p)) + ' %';
  }

  function millis(v) {
    if (v === undefined || v === null || isNaN(v)) { return '–'; }
    return v >= 1000 ? trim((v / 1000).toFixed(1)) + ' s' : (v < 10 ? trim(v.toFixed(1)) : Math.round(v)) + ' ms';
  }

  function number(v) {
    if (typeof v !== 'number' || !isFinite(v)) { return String(v); }
    return Math.abs(v) >= 1000 || v === Math.round(v) ? String(Math.round(v * 1000) / 1000) : v.toPrecision(4);
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      cards.forEach(function (card) { if (card.data) { renderCharts(card, card.data.traffic || []); } });
    }, 100);
  });

  poll();
})();
