/*
 * Keyway console: one account's BYOK keys, API keys, settings, credits and activity, in plain JavaScript (no build
 * step, nothing fetched from elsewhere). It calls only the services' public APIs with the management key the user
 * signed in with; the key lives in sessionStorage and nowhere else. Secrets are never rendered, except the one-time
 * reveal of a new API key.
 */
(function () {
  'use strict';

  const SESSION_KEY = 'keyway.console.management-key';
  const state = { config: null, catalog: null, settings: null };

  // ---------- small DOM helpers ----------
  const $ = (sel, root = document) => root.querySelector(sel);

  /** h('button', {class: 'x', onclick: f}, 'text', child): an element; attributes starting with "on" are listeners. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.substring(2), v);
      else if (k === 'text') el.textContent = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;

  function toast(message) {
    const t = $('#toast');
    t.textContent = message;
    t.classList.add('show');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => t.classList.remove('show'), 3000);
  }

  function banner(kind, message, action) {
    return h('div', { class: `banner ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message,
      action ? h('button', { type: 'button', class: 'small secondary', onclick: action.run }, action.label) : null);
  }

  /** On a narrow screen each row of the table becomes a card: every cell is labelled with its column's heading. */
  function stackable(table) {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => { if (heads[i] && !td.hasAttribute('colspan')) td.dataset.label = heads[i]; });
    }
    table.classList.add('stack');
    return table;
  }

  function field(label, input, hint) {
    const id = input.id || (input.id = nextId('f'));
    const errorId = `${id}-error`;
    const hintId = hint ? `${id}-hint` : null;
    input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    return h('div', { class: 'field' },
      h('label', { for: id }, label), input,
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      h('p', { class: 'field-error', id: errorId }));
  }

  function showFieldError(input, message) {
    const err = document.getElementById(`${input.id}-error`);
    if (err) err.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }

  function checkbox(label, checked, onchange, attrs = {}) {
    const input = h('input', Object.assign({ type: 'checkbox', id: nextId('c'), checked, onchange }, attrs));
    return h('label', { class: 'check', for: input.id }, input, label);
  }

  const fmtInt = (n) => Number(n || 0).toLocaleString('en-US');
  const fmtUsd = (v) => {
    const n = Number(v || 0);
    const digits = Math.abs(n) > 0 && Math.abs(n) < 0.01 ? 6 : 2;
    return '$' + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits });
  };
  const fmtTime = (s) => (s ? new Date(s).toISOString().substring(0, 19).replace('T', ' ') + ' UTC' : 'never');
  const thisMonth = () => new Date().toISOString().substring(0, 7);

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  // ---------- API ----------
  class ApiError extends Error {
    constructor(status, message, metadata) {
      super(message);
      this.status = status;
      this.metadata = metadata || {};
    }
  }

  /** The words a person reads for a failed call: never the JSON. */
  function explain(e) {
    if (!(e instanceof ApiError)) return 'Something went wrong: ' + (e && e.message ? e.message : e);
    if (e.status === 0) return e.message;
    if (e.status === 401) return 'Your management key was not accepted. Sign out and sign in again.';
    if (e.status === 403) return 'This key may not do that: sign in with a management key.';
    if (e.status === 409 && e.metadata && e.metadata.current_version !== undefined) {
      return 'This key changed since you opened it; reload to see the current version.';
    }
    if (e.status >= 500) return `The service could not answer (${e.status}): ${e.message}. Try again shortly.`;
    const m = e.message || `request failed (${e.status})`;
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }

  function managementKey() { return sessionStorage.getItem(SESSION_KEY); }

  async function call(base, path, opts = {}) {
    const headers = Object.assign({ Accept: opts.accept || 'application/json' }, opts.headers || {});
    const key = opts.key || managementKey();
    if (key) headers.Authorization = 'Bearer ' + key;
    let body;
    if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(opts.body); }
    let res;
    try {
      res = await fetch(base + path, { method: opts.method || 'GET', headers, body });
    } catch (err) {
      throw new ApiError(0, `Could not reach ${base || 'the service'} (${err.message}). Is it running?`);
    }
    if (opts.raw && res.ok) return res;
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
    if (!res.ok) {
      const err = json && json.error ? json.error : {};
      throw new ApiError(res.status, err.message || `request failed with status ${res.status}`, err.metadata);
    }
    return json;
  }

  const keys = (path, opts) => call('', path, opts);
  const gateway = (path, opts) => call(state.config.gateway_url, path, opts);
  const billing = (path, opts) => call(state.config.billing_url, path, opts);

  /** The catalog's providers (slug → name, models) from the gateway's public /models and each model's endpoints. */
  async function catalog() {
    if (state.catalog) return state.catalog;
    const models = (await gateway('/api/v1/models')).data || [];
    const providers = new Map();
    await Promise.all(models.map(async (m) => {
      try {
        const ep = await gateway(`/api/v1/models/${m.id}/endpoints`);
        for (const e of (ep.data && ep.data.endpoints) || []) {
          const p = providers.get(e.tag) || { slug: e.tag, name: e.provider_name || e.tag, models: [] };
          p.models.push(m.id);
          providers.set(e.tag, p);
        }
      } catch (_) { /* a model without endpoints offers no provider */ }
    }));
    state.catalog = {
      models: models.map((m) => ({ id: m.id, name: m.name || m.id })).sort((a, b) => a.id.localeCompare(b.id)),
      providers: [...providers.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
    return state.catalog;
  }

  const providerName = (slug) => {
    const p = state.catalog && state.catalog.providers.find((x) => x.slug === slug);
    return p ? p.name : slug;
  };
  const adapterOf = (slug) => (state.config.provider_adapters || {})[slug] || 'openai-compatible';

  // ---------- sign-in and pages ----------
  const pages = {};
  let currentPage = null;

  function showSignIn(message) {
    $('#nav').hidden = true;
    $('#sign-out').hidden = true;
    $('#page').hidden = true;
    $('#sign-in').hidden = false;
    const input = $('#management-key');
    input.value = '';
    showFieldError(input, message || '');
    input.focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $('#management-key');
    const key = input.value.trim();
    if (!key) { showFieldError(input, 'Enter your management key.'); return; }
    const button = $('#sign-in-form button');
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await keys('/api/v1/settings', { key });
      sessionStorage.setItem(SESSION_KEY, key);
      input.value = '';
      showFieldError(input, '');
      if (!location.hash || location.hash === '#/') location.hash = '#/providers'; // hashchange routes
      else route();
    } catch (e) {
      showFieldError(input, e.status === 401 || e.status === 403
        ? 'This management key was not accepted. Check it and try again.' : explain(e));
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  }

  function signOut() {
    sessionStorage.removeItem(SESSION_KEY);
    state.settings = null;
    $('#page').replaceChildren();
    location.hash = '';
    showSignIn();
  }

  async function route() {
    if (!managementKey()) { showSignIn(); return; }
    const name = (location.hash.replace(/^#\//, '') || 'providers').split('?')[0];
    const page = pages[name] ? name : 'providers';
    $('#sign-in').hidden = true;
    $('#nav').hidden = false;
    $('#sign-out').hidden = false;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const root = $('#page');
    root.hidden = false;
    const changed = currentPage !== page;
    currentPage = page;
    await render(page);
    if (changed) $('#main').focus();
  }

  /** Renders a page into #page, with a loading state while its data loads and its error in words if it fails. */
  async function render(page) {
    const root = $('#page');
    root.setAttribute('aria-busy', 'true');
    root.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    try {
      const content = await pages[page]();
      root.replaceChildren(content);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { signOut(); showSignIn(explain(e)); return; }
      root.replaceChildren(h('h1', {}, 'Could not load this page'), banner('error', explain(e),
        { label: 'Try again', run: () => render(page) }));
    } finally {
      root.removeAttribute('aria-busy');
    }
  }

  const reload = () => render(currentPage);

  /** Runs a write; a failure is shown in words in {@code where} (or as a toast), a 409 offers a reload. */
  async function write(where, action, done) {
    try {
      await action();
      if (done) toast(done);
      await reload();
      return true;
    } catch (e) {
      const stale = e instanceof ApiError && e.status === 409;
      const b = banner(stale ? 'warn' : 'error', explain(e), stale ? { label: 'Reload', run: reload } : null);
      b.classList.add('write-error');
      if (where) { where.querySelectorAll('.write-error').forEach((x) => x.remove()); where.prepend(b); b.scrollIntoView({ block: 'nearest' }); }
      else toast(explain(e));
      return false;
    }
  }

  function confirmDelete(text) {
    const dialog = $('#confirm');
    $('#confirm-text').textContent = text;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
      $('#confirm-cancel').focus();
    });
  }

  // ---------- Providers ----------
  const FORMAT_HELP = {
    'openai-compatible': { label: 'API key', multiline: false, help: 'The provider\'s API key, one token.' },
    anthropic: { label: 'API key', multiline: false, help: 'Your Anthropic API key (sent as x-api-key).' },
    azure: {
      label: 'Azure deployments (JSON)', multiline: true,
      help: 'One deployment as a JSON object, or several as an array of objects, each with model_slug (the catalog '
        + 'model it serves, e.g. openai/gpt-4o), endpoint_url (https, ending in /chat/completions, with '
        + '?api-version=…), api_key and model_id. The key serves only the model slugs it lists.',
      placeholder: '{"model_slug": "openai/gpt-4o", "endpoint_url": "https://<resource>.openai.azure.com/openai/deployments/<deployment>/chat/completions?api-version=2024-10-21", "api_key": "<key>", "model_id": "gpt-4o"}',
    },
    'amazon-bedrock': {
      label: 'Bedrock API key or AWS credentials', multiline: true,
      help: 'Either a Bedrock API key (one token), or AWS credentials as JSON: {"accessKeyId": …, "secretAccessKey": …, '
        + '"region": "us-east-1"} (optionally "sessionToken"), signed with SigV4.',
      placeholder: '{"accessKeyId": "<id>", "secretAccessKey": "<secret>", "region": "us-east-1"}',
    },
    'google-vertex': {
      label: 'Service-account JSON', multiline: true,
      help: 'The Google Cloud service-account key file (type "service_account", project_id, private_key, '
        + 'client_email, …). Add "region" to pick the Vertex region; the default is "global".',
      placeholder: '{"type": "service_account", "project_id": "<project>", "private_key": "<PEM>", "client_email": "…", "region": "us-east5"}',
    },
  };
  const formatOf = (slug) => FORMAT_HELP[adapterOf(slug)] || FORMAT_HELP['openai-compatible'];

  function keyInput(slug, id) {
    const f = formatOf(slug);
    const attrs = { id, name: 'key', autocomplete: 'off', spellcheck: 'false', required: true };
    return f.multiline
      ? h('textarea', Object.assign(attrs, { rows: 6, placeholder: f.placeholder || '' }))
      : h('input', Object.assign(attrs, { type: 'password' }));
  }

  /** Shows an API error for a key's secret beside its field; other errors above the form. */
  function showKeyError(form, input, e) {
    if (e instanceof ApiError && e.status === 400 && /^field '|key/i.test(e.message)) {
      showFieldError(input, explain(e));
      input.focus();
    } else {
      form.querySelectorAll('.write-error').forEach((x) => x.remove());
      const b = banner('error', explain(e));
      b.classList.add('write-error');
      form.prepend(b);
    }
  }

  /** DESIGN.md §2 in a sentence, for one provider's keys as they stand. */
  function orderLine(provider, list, precedence, apiKeyList) {
    const live = list.filter((k) => !k.disabled);
    const prio = live.filter((k) => !k.is_fallback).sort((a, b) => a.sort_order - b.sort_order);
    const fall = live.filter((k) => k.is_fallback).sort((a, b) => a.sort_order - b.sort_order);
    const keyName = (hash) => (apiKeyList.find((a) => a.hash === hash) || { name: hash.substring(0, 8) }).name;
    const only = (k) => [k.allowed_models ? k.allowed_models.join(', ') : null,
      k.allowed_api_key_hashes ? 'API keys ' + k.allowed_api_key_hashes.map(keyName).join(', ') : null].filter(Boolean);
    const name = (k) => `“${k.name || k.label}”` + (only(k).length ? ` (only ${only(k).join('; ')})` : '');
    const models = (state.catalog.providers.find((p) => p.slug === provider) || { models: [] }).models;
    const on = `${models.length ? models.join(', ') : 'Requests'} on ${providerName(provider)}`;
    const always = prio.find((k) => k.always_use);
    const steps = [];
    prio.forEach((k, i) => steps.push(`${i === 0 ? 'your key' : 'then your key'} ${name(k)}`));
    if (always) {
      return `${on}: ${steps.join(', ') || 'no key'}. “${always.name || always.label}” is set to always use, so `
        + 'platform capacity and fallback keys of this provider are skipped, and its failure is returned as it is.';
    }
    steps.push(`${steps.length ? 'then ' : ''}platform capacity (when the operator offers it)`);
    fall.forEach((k) => steps.push(`then your fallback key ${name(k)}`));
    const across = precedence === 'order_first'
      ? ' Providers are tried strictly in the requested order (byok_precedence: order_first).'
      : ' Across providers, every prioritized key is tried before any platform capacity (byok_precedence: byok_first).';
    return `${on}: ${steps.join(', ')}.${across}${live.length < list.length ? ' Disabled keys are skipped.' : ''}`;
  }

  pages.providers = async function () {
    const [byok, apiKeys, settings, cat] = await Promise.all([
      keys('/api/v1/byok?limit=500'), keys('/api/v1/keys?include_disabled=true&limit=500'),
      keys('/api/v1/settings'), catalog()]);
    const all = byok.data || [];
    const apiKeyList = apiKeys.data || [];
    const precedence = settings.data.byok_precedence;
    const root = h('div', {}, h('h1', {}, 'Providers'),
      h('p', { class: 'muted' }, 'Your own provider keys (BYOK). Prioritized keys are tried before platform capacity, '
        + 'fallback keys after it. Secrets are never shown again after you save them; only a masked hint is.'));

    // add-a-key form
    const providerSelect = h('select', { id: 'byok-provider', name: 'provider' },
      cat.providers.map((p) => h('option', { value: p.slug }, `${p.name} (${p.slug})`)));
    const keyHolder = h('div', {});
    const secretStore = h('select', { id: 'byok-store', name: 'secret_store' },
      (state.config.secret_stores || []).map((s) => h('option', { value: s, selected: s === settings.data.default_secret_store }, s)));
    const section = h('select', { id: 'byok-section', name: 'section' },
      h('option', { value: 'prioritized' }, 'Prioritized (before platform capacity)'),
      h('option', { value: 'fallback' }, 'Fallback (after platform capacity)'));
    const nameInput = h('input', { id: 'byok-name', type: 'text', name: 'name', autocomplete: 'off' });
    const alwaysUse = h('input', { type: 'checkbox', id: 'byok-always' });
    let keyField;
    const renderKeyField = () => {
      const f = formatOf(providerSelect.value);
      keyField = keyInput(providerSelect.value, 'byok-key');
      keyHolder.replaceChildren(field(f.label, keyField, f.help));
    };
    providerSelect.addEventListener('change', renderKeyField);
    section.addEventListener('change', () => { alwaysUse.disabled = section.value === 'fallback'; if (alwaysUse.disabled) alwaysUse.checked = false; });
    renderKeyField();
    const addForm = h('form', { id: 'add-byok', class: 'card', novalidate: true },
      h('h2', {}, 'Add a key'),
      h('div', { class: 'row' }, field('Provider', providerSelect), field('Name', nameInput),
        field('Section', section), field('Secret store', secretStore, 'Where the secret is kept.')),
      keyHolder,
      h('label', { class: 'check', for: 'byok-always' }, alwaysUse, 'Always use for this provider'),
      h('p', { class: 'hint' }, 'Always use: platform capacity and fallback keys of this provider are never used, and '
        + 'this key\'s failure is returned as it is.'),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add key')));
    addForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showFieldError(keyField, '');
      if (!keyField.value.trim()) { showFieldError(keyField, 'Enter the key.'); keyField.focus(); return; }
      const body = { provider: providerSelect.value, key: keyField.value, is_fallback: section.value === 'fallback',
        always_use: alwaysUse.checked, secret_store: secretStore.value };
      if (nameInput.value.trim()) body.name = nameInput.value.trim();
      const button = addForm.querySelector('button[type=submit]');
      button.disabled = true; button.textContent = 'Adding…';
      try {
        await keys('/api/v1/byok', { method: 'POST', body, headers: { 'Idempotency-Key': uuid() } });
        keyField.value = '';
        toast('Key added');
        await reload();
      } catch (e) {
        showKeyError(addForm, keyField, e);
      } finally {
        button.disabled = false; button.textContent = 'Add key';
      }
    });

    // keys by provider
    const byProvider = new Map();
    for (const k of all) { if (!byProvider.has(k.provider)) byProvider.set(k.provider, []); byProvider.get(k.provider).push(k); }
    const groups = h('div', { id: 'providers' });
    if (byProvider.size === 0) groups.append(h('p', { class: 'card muted' }, 'No provider keys yet. Add one below.'));
    for (const [provider, list] of [...byProvider.entries()].sort((a, b) => providerName(a[0]).localeCompare(providerName(b[0])))) {
      const card = h('section', { class: 'card provider', 'data-provider': provider, 'aria-labelledby': `p-${provider}` },
        h('h2', { id: `p-${provider}` }, providerName(provider), ' ', h('span', { class: 'muted' }, `(${provider})`)),
        h('p', { class: 'order', 'data-role': 'order' }, orderLine(provider, list, precedence, apiKeyList)));
      for (const fallback of [false, true]) {
        const inSection = list.filter((k) => k.is_fallback === fallback).sort((a, b) => a.sort_order - b.sort_order);
        card.append(h('h3', {}, fallback ? 'Fallback' : 'Prioritized'));
        if (!inSection.length) { card.append(h('p', { class: 'muted' }, 'None.')); continue; }
        card.append(h('ol', { class: 'keys', 'aria-label': `${fallback ? 'Fallback' : 'Prioritized'} keys of ${providerName(provider)}` },
          inSection.map((k, i) => keyItem(k, i, inSection.length, cat, apiKeyList))));
      }
      groups.append(card);
    }
    root.append(groups, addForm);
    return root;
  };

  function keyItem(k, index, count, cat, apiKeyList) {
    const li = h('li', { 'data-key-id': k.id, 'data-key-name': k.name || '' });
    const patch = (body, done) => write(li, () => keys(`/api/v1/byok/${k.id}`,
      { method: 'PATCH', body: Object.assign({ version: k.version }, body) }), done);
    const filters = [];
    filters.push(k.allowed_models ? `models: ${k.allowed_models.join(', ')}` : 'all models');
    if (k.allowed_api_key_hashes) {
      const names = k.allowed_api_key_hashes.map((hash) => (apiKeyList.find((a) => a.hash === hash) || { name: hash.substring(0, 8) }).name);
      filters.push(`API keys: ${names.join(', ')}`);
    } else filters.push('all API keys');
    li.append(
      h('div', { class: 'key-head' },
        h('span', { class: 'key-name' }, k.name || '(no name)'),
        h('code', { title: 'masked key' }, k.label || ''),
        h('span', { class: 'tag' }, `store: ${k.secret_store}`),
        k.disabled ? h('span', { class: 'tag off' }, 'disabled') : null,
        k.always_use ? h('span', { class: 'tag byok' }, 'always use') : null,
        h('span', { class: 'muted' }, filters.join(' · ')),
        h('span', { class: 'muted' }, `last used: ${fmtTime(k.last_used_at)}`)),
      h('div', { class: 'key-controls' },
        checkbox('Enabled', !k.disabled, (ev) => toggled(ev.target, patch({ disabled: !ev.target.checked },
          ev.target.checked ? 'Key enabled' : 'Key disabled')), { 'data-role': 'enabled' }),
        k.is_fallback ? null : checkbox('Always use for this provider', k.always_use,
          (ev) => toggled(ev.target, patch({ always_use: ev.target.checked }, 'Saved')), { 'data-role': 'always-use' }),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'up', disabled: index === 0,
          'aria-label': `Move ${k.name || k.label} up`, onclick: () => patch({ position: index - 1 }, 'Moved') }, '↑ Up'),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'down', disabled: index === count - 1,
          'aria-label': `Move ${k.name || k.label} down`, onclick: () => patch({ position: index + 1 }, 'Moved') }, '↓ Down'),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'section',
          onclick: () => patch(k.is_fallback ? { is_fallback: false } : { is_fallback: true, always_use: false }, 'Moved') },
        k.is_fallback ? 'Make prioritized' : 'Make fallback'),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'filters', 'aria-expanded': 'false',
          onclick: (ev) => toggleEditor(li, ev.target, () => filterEditor(k, cat, apiKeyList, patch)) }, 'Filters'),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'rotate', 'aria-expanded': 'false',
          onclick: (ev) => toggleEditor(li, ev.target, () => rotateEditor(k)) }, 'Rotate'),
        h('button', { type: 'button', class: 'small danger', 'data-role': 'delete',
          onclick: async () => {
            if (await confirmDelete(`Delete the key “${k.name || k.label}” of ${providerName(k.provider)}? Its secret is removed from the ${k.secret_store} store. This cannot be undone.`)) {
              await write(li, () => keys(`/api/v1/byok/${k.id}`, { method: 'DELETE', headers: { 'If-Match': `"${k.version}"` } }), 'Key deleted');
            }
          } }, 'Delete')));
    return li;
  }

  /** A toggle whose write failed goes back to what is stored. */
  async function toggled(box, written) {
    if (!(await written)) box.checked = !box.checked;
  }

  function toggleEditor(li, button, make) {
    const open = li.querySelector('.editor');
    if (open) { open.remove(); button.setAttribute('aria-expanded', 'false'); if (open.dataset.for === button.dataset.role) return; }
    li.querySelectorAll('[aria-expanded=true]').forEach((b) => b.setAttribute('aria-expanded', 'false'));
    const editor = make();
    editor.classList.add('editor');
    editor.dataset.for = button.dataset.role;
    li.append(editor);
    button.setAttribute('aria-expanded', 'true');
    const first = editor.querySelector('input, select, textarea');
    if (first) first.focus();
  }

  function filterEditor(k, cat, apiKeyList, patch) {
    const allModels = h('input', { type: 'checkbox', id: nextId('all-models'), checked: !k.allowed_models });
    const models = h('select', { multiple: true, id: nextId('models'), name: 'allowed_models', disabled: !k.allowed_models },
      cat.models.map((m) => h('option', { value: m.id, selected: (k.allowed_models || []).includes(m.id) }, `${m.name} (${m.id})`)));
    allModels.addEventListener('change', () => { models.disabled = allModels.checked; });
    const allKeys = h('input', { type: 'checkbox', id: nextId('all-keys'), checked: !k.allowed_api_key_hashes });
    const apiKeysSel = h('select', { multiple: true, id: nextId('api-keys'), name: 'allowed_api_key_hashes', disabled: !k.allowed_api_key_hashes },
      apiKeyList.map((a) => h('option', { value: a.hash, selected: (k.allowed_api_key_hashes || []).includes(a.hash) }, a.name || a.label)));
    allKeys.addEventListener('change', () => { apiKeysSel.disabled = allKeys.checked; });
    const form = h('form', { class: 'card', 'aria-label': `Filters of ${k.name || k.label}` },
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { class: 'check', for: allModels.id }, allModels, 'All models'),
          field('Only these models', models, 'Ctrl/Cmd-click to pick several.')),
        h('div', { class: 'field' }, h('label', { class: 'check', for: allKeys.id }, allKeys, 'All API keys'),
          field('Only these API keys', apiKeysSel))),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save filters')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const picked = (sel) => [...sel.selectedOptions].map((o) => o.value);
      if (!allModels.checked && picked(models).length === 0) { showFieldError(models, 'Pick at least one model, or tick All models.'); return; }
      if (!allKeys.checked && picked(apiKeysSel).length === 0) { showFieldError(apiKeysSel, 'Pick at least one API key, or tick All API keys.'); return; }
      patch({ allowed_models: allModels.checked ? null : picked(models),
        allowed_api_key_hashes: allKeys.checked ? null : picked(apiKeysSel) }, 'Filters saved');
    });
    return form;
  }

  function rotateEditor(k) {
    const f = formatOf(k.provider);
    const input = keyInput(k.provider, nextId('rotate-key'));
    const form = h('form', { class: 'card', 'aria-label': `Rotate ${k.name || k.label}`, novalidate: true },
      field(`New ${f.label.toLowerCase()}`, input, f.help),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Rotate key')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showFieldError(input, '');
      if (!input.value.trim()) { showFieldError(input, 'Enter the new key.'); return; }
      try {
        await keys(`/api/v1/byok/${k.id}/rotate`, { method: 'POST', body: { key: input.value, version: k.version } });
        input.value = '';
        toast('Key rotated');
        await reload();
      } catch (e) {
        showKeyError(form, input, e);
      }
    });
    return form;
  }

  // ---------- API keys ----------
  pages['api-keys'] = async function () {
    const list = (await keys('/api/v1/keys?include_disabled=true&limit=500')).data || [];
    const root = h('div', {}, h('h1', {}, 'API keys'),
      h('p', { class: 'muted' }, 'Keys your applications send to the gateway. A new key is shown once, when it is created.'));
    const reveal = h('div', { id: 'reveal' });
    const name = h('input', { type: 'text', id: 'new-key-name', autocomplete: 'off' });
    const limit = h('input', { type: 'number', id: 'new-key-limit', min: '0', step: '0.01', inputmode: 'decimal' });
    const reset = h('select', { id: 'new-key-reset' }, h('option', { value: '' }, 'never'),
      ['daily', 'weekly', 'monthly'].map((r) => h('option', { value: r }, r)));
    const includeByok = h('input', { type: 'checkbox', id: 'new-key-byok' });
    const limits = requestLimitInputs({}, 'new-key');
    const form = h('form', { class: 'card', id: 'create-api-key', novalidate: true }, h('h2', {}, 'Create a key'),
      h('div', { class: 'row' }, field('Name', name), field('Spend limit (USD, optional)', limit), field('Limit resets', reset)),
      h('div', { class: 'row' }, field('Requests per interval (optional)', limits.requests),
        field('Interval (e.g. 10s, 1m, 1h)', limits.interval), field('Concurrent requests (optional)', limits.concurrent)),
      h('label', { class: 'check', for: includeByok.id }, includeByok, 'Count BYOK list cost in the limit (include_byok_in_limit)'),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      showFieldError(name, '');
      if (!name.value.trim()) { showFieldError(name, 'Give the key a name.'); name.focus(); return; }
      const body = { name: name.value.trim(), include_byok_in_limit: includeByok.checked };
      if (limit.value !== '') body.limit = limit.value;
      if (reset.value) body.limit_reset = reset.value;
      Object.assign(body, limits.body(false));
      try {
        const created = await keys('/api/v1/keys', { method: 'POST', body, headers: { 'Idempotency-Key': uuid() } });
        await reload();
        showReveal(created.key, created.data.name);
      } catch (e) {
        form.querySelectorAll('.write-error').forEach((x) => x.remove());
        const b = banner('error', explain(e)); b.classList.add('write-error'); form.prepend(b);
      }
    });
    const table = h('table', { id: 'api-keys' },
      h('caption', { class: 'sr-only' }, 'Your API keys'),
      h('thead', {}, h('tr', {}, ['Name', 'Key', 'Limit', 'Resets', 'BYOK in limit', 'Request limits', 'Status', 'Last used', 'Created', 'Actions']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.length ? list.map(apiKeyRow) : h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No API keys yet.'))));
    root.append(reveal, h('div', { class: 'card table-wrap' }, stackable(table)), form);
    return root;
  };

  /** The one-time reveal: the plaintext key in a read-only field with a copy button, gone on "Done" or on leaving. */
  function showReveal(plaintext, name) {
    const input = h('input', { type: 'text', readonly: true, id: 'new-key-value', value: plaintext, 'aria-describedby': 'reveal-note' });
    const box = h('div', { class: 'card reveal', role: 'region', 'aria-label': 'Your new API key' },
      h('h2', {}, `Your new key “${name}”`),
      h('p', { id: 'reveal-note' }, 'Copy it now: it is shown only this once and cannot be shown again.'),
      field('New API key', input),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'copy-key', onclick: async () => {
          try { await navigator.clipboard.writeText(input.value); } catch (_) { input.select(); document.execCommand('copy'); }
          toast('Copied to the clipboard');
        } }, 'Copy'),
        h('button', { type: 'button', class: 'secondary', onclick: () => { input.value = ''; box.remove(); } }, 'Done')));
    $('#reveal').replaceChildren(box);
    input.focus();
    input.select();
  }

  /** A key's rate_limit and max_concurrent_requests as the table shows them. */
  function requestLimitsText(k) {
    const parts = [];
    if (k.rate_limit) parts.push(`${k.rate_limit.requests} per ${k.rate_limit.interval}`);
    if (k.max_concurrent_requests) parts.push(`${k.max_concurrent_requests} at once`);
    return parts.length ? parts.join(', ') : 'none';
  }

  /** Inputs for a key's request limits; body(clear) gives the fields to send (null clears them on an edit). */
  function requestLimitInputs(k, idPrefix) {
    const requests = h('input', { type: 'number', id: `${idPrefix}-rate-requests`, min: '1', step: '1',
      value: k.rate_limit ? k.rate_limit.requests : '' });
    const interval = h('input', { type: 'text', id: `${idPrefix}-rate-interval`, autocomplete: 'off', placeholder: '10s',
      value: k.rate_limit ? k.rate_limit.interval : '' });
    const concurrent = h('input', { type: 'number', id: `${idPrefix}-concurrent`, min: '1', step: '1',
      value: k.max_concurrent_requests ?? '' });
    const body = (clear) => {
      const out = {};
      if (requests.value !== '') out.rate_limit = { requests: Number(requests.value), interval: interval.value.trim() };
      else if (clear) out.rate_limit = null;
      if (concurrent.value !== '') out.max_concurrent_requests = Number(concurrent.value);
      else if (clear) out.max_concurrent_requests = null;
      return out;
    };
    return { requests, interval, concurrent, body };
  }

  function apiKeyRow(k) {
    const tr = h('tr', { 'data-hash': k.hash, 'data-name': k.name || '' });
    const patch = (body, done) => write(tr.closest('.card'), () => keys(`/api/v1/keys/${k.hash}`,
      { method: 'PATCH', body: Object.assign({ version: k.version }, body) }), done);
    const edit = () => {
      const name = h('input', { type: 'text', id: nextId('name'), value: k.name || '' });
      const limit = h('input', { type: 'number', id: nextId('limit'), min: '0', step: '0.01', value: k.limit ?? '' });
      const reset = h('select', { id: nextId('reset') }, h('option', { value: '' }, 'never'),
        ['daily', 'weekly', 'monthly'].map((r) => h('option', { value: r, selected: k.limit_reset === r }, r)));
      const byok = h('input', { type: 'checkbox', id: nextId('byok'), checked: k.include_byok_in_limit });
      const limits = requestLimitInputs(k, nextId('limits'));
      const form = h('form', { class: 'row', 'aria-label': `Edit ${k.name}` }, field('Name', name), field('Limit (USD)', limit),
        field('Resets', reset), h('label', { class: 'check', for: byok.id }, byok, 'BYOK in limit'),
        field('Requests per interval', limits.requests), field('Interval', limits.interval),
        field('Concurrent requests', limits.concurrent),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save'),
          h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Cancel')));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        patch({ name: name.value.trim(), limit: limit.value === '' ? null : limit.value,
          limit_reset: reset.value || null, include_byok_in_limit: byok.checked, ...limits.body(true) }, 'Saved');
      });
      tr.replaceChildren(h('td', { colspan: 10 }, form));
      name.focus();
    };
    tr.append(
      h('td', {}, k.name || ''), h('td', {}, h('code', {}, k.label || '')),
      h('td', { class: 'num' }, k.limit === null || k.limit === undefined ? 'none' : fmtUsd(k.limit)),
      h('td', {}, k.limit_reset || 'never'), h('td', {}, k.include_byok_in_limit ? 'yes' : 'no'),
      h('td', {}, requestLimitsText(k)),
      h('td', {}, k.disabled ? h('span', { class: 'tag off' }, 'disabled') : h('span', { class: 'tag byok' }, 'active')),
      h('td', {}, fmtTime(k.last_used_at)), h('td', {}, fmtTime(k.created_at)),
      h('td', {}, h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${k.name}`, onclick: edit }, 'Edit'),
        h('button', { type: 'button', class: 'small secondary', 'data-role': 'toggle',
          onclick: () => patch({ disabled: !k.disabled }, k.disabled ? 'Key enabled' : 'Key disabled') }, k.disabled ? 'Enable' : 'Disable'),
        h('button', { type: 'button', class: 'small danger', 'data-role': 'delete', 'aria-label': `Delete ${k.name}`,
          onclick: async () => {
            if (await confirmDelete(`Delete the API key “${k.name}”? Applications using it stop working at once.`)) {
              await write(tr.closest('.card'), () => keys(`/api/v1/keys/${k.hash}`, { method: 'DELETE', headers: { 'If-Match': `"${k.version}"` } }), 'Key deleted');
            }
          } }, 'Delete'))));
    return tr;
  }

  // ---------- Settings ----------
  pages.settings = async function () {
    const [settings, cat] = await Promise.all([keys('/api/v1/settings'), catalog()]);
    const s = settings.data;
    const root = h('div', {}, h('h1', {}, 'Settings'));
    const ignored = new Set(s.ignored_providers || []);
    const slugs = [...new Set([...cat.providers.map((p) => p.slug), ...ignored])];
    const boxes = slugs.map((slug) => h('input', { type: 'checkbox', id: `ignore-${slug}`, value: slug, checked: ignored.has(slug) }));
    const precedence = ['byok_first', 'order_first'].map((v) => h('input', { type: 'radio', name: 'byok_precedence', id: `prec-${v}`, value: v, checked: s.byok_precedence === v }));
    const store = h('select', { id: 'default-store' }, (state.config.secret_stores || []).map((x) => h('option', { value: x, selected: x === s.default_secret_store }, x)));
    const form = h('form', { class: 'card', id: 'settings-form' },
      h('fieldset', {}, h('legend', {}, 'Ignored providers'),
        h('p', { class: 'hint' }, 'Requests of this account never go to these providers.'),
        slugs.length ? boxes.map((b) => h('label', { class: 'check', for: b.id, style: 'margin-right:1rem' }, b, `${providerName(b.value)} (${b.value})`)) : h('p', {}, 'The catalog lists no providers.')),
      h('fieldset', {}, h('legend', {}, 'BYOK precedence'),
        h('label', { class: 'check', for: 'prec-byok_first' }, precedence[0], 'BYOK first: every prioritized key of every provider before any platform capacity (OpenRouter\'s behaviour)'), h('br'),
        h('label', { class: 'check', for: 'prec-order_first' }, precedence[1], 'Order first: providers strictly in the requested order; within each, prioritized keys, platform capacity, fallback keys')),
      h('div', { class: 'narrow' }, field('Default secret store', store, 'Where new keys keep their secret unless the key names another store.')),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save settings')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      write(form, () => keys('/api/v1/settings', { method: 'PATCH', body: {
        version: s.version, ignored_providers: boxes.filter((b) => b.checked).map((b) => b.value),
        byok_precedence: precedence.find((r) => r.checked).value, default_secret_store: store.value } }), 'Settings saved');
    });
    root.append(form);
    return root;
  };

  // ---------- Credits & usage ----------
  pages.credits = async function () {
    const monthParam = new URLSearchParams(location.hash.split('?')[1] || '').get('month');
    const month = /^\d{4}-\d{2}$/.test(monthParam || '') ? monthParam : thisMonth();
    // the catalog only names providers here: without the gateway, slugs are shown
    const [credits, statement, daily] = await Promise.all([
      billing('/api/v1/credits'), billing(`/api/v1/statements/${month}`), billing(`/api/v1/statements/${month}/daily`),
      catalog().catch(() => null)]);
    const c = credits.data;
    const s = statement.data;
    const balance = Number(c.total_credits) - Number(c.total_usage);
    const monthInput = h('input', { type: 'month', id: 'month', value: month });
    monthInput.addEventListener('change', () => { if (monthInput.value) location.hash = `#/credits?month=${monthInput.value}`; });
    const root = h('div', {}, h('h1', {}, 'Credits & usage'),
      h('div', { class: 'stats' },
        stat('Balance', fmtUsd(balance), 'balance'), stat('Credits bought', fmtUsd(c.total_credits)), stat('Used', fmtUsd(c.total_usage))),
      h('div', { class: 'row narrow', style: 'margin-top:1rem' }, field('Month (UTC)', monthInput)));

    // the free allowance
    const b = s.byok;
    const allowance = h('section', { class: 'card', 'aria-labelledby': 'allowance-title' }, h('h2', { id: 'allowance-title' }, 'BYOK free allowance'));
    if (b.allowance === 'requests') {
      const used = Math.min(b.requests, b.free_requests_per_month);
      const text = `${fmtInt(used)} of ${fmtInt(b.free_requests_per_month)} free BYOK requests used`;
      allowance.append(h('p', { class: 'progress-label', id: 'allowance-label' }, text),
        h('progress', { id: 'allowance', max: b.free_requests_per_month, value: used, 'aria-labelledby': 'allowance-label' }));
    } else {
      const per = Number(b.free_list_cost_per_month);
      const used = per - Number(b.free_list_cost_left);
      const text = `${fmtUsd(used)} of ${fmtUsd(per)} free BYOK list cost used`;
      allowance.append(h('p', { class: 'progress-label', id: 'allowance-label' }, text),
        h('progress', { id: 'allowance', max: per, value: used, 'aria-labelledby': 'allowance-label' }));
    }
    allowance.append(h('p', { class: 'muted' }, `Past the allowance each BYOK request costs ${(Number(b.fee_rate) * 100).toLocaleString('en-US')}% of its list cost, paid from credits.`));
    root.append(allowance);

    root.append(h('section', { class: 'card', 'aria-labelledby': 'fees-title' }, h('h2', { id: 'fees-title' }, `Fees and spend, ${s.month}`),
      h('div', { class: 'stats' },
        stat('BYOK requests', fmtInt(b.requests)), stat('BYOK list cost (paid to your providers)', fmtUsd(b.list_cost)),
        stat('BYOK fees', fmtUsd(b.fees)), stat('Platform requests', fmtInt(s.non_byok.requests)),
        stat('Platform spend', fmtUsd(s.non_byok.spend)), stat('Total charged', fmtUsd(s.total_charged), 'total-charged'),
        stat('Failed requests (not charged)', fmtInt(s.failed_requests)))));

    root.append(h('section', { class: 'card chart', 'aria-labelledby': 'chart-title' }, h('h2', { id: 'chart-title' }, 'Requests and spend per day'),
      chart(month, (daily.data && daily.data.days) || [])));

    const lines = s.by_model_and_provider || [];
    root.append(h('section', { class: 'card', 'aria-labelledby': 'statement-title' }, h('h2', { id: 'statement-title' }, 'Monthly statement'),
      h('div', { class: 'table-wrap' }, stackable(h('table', { id: 'statement' },
        h('thead', {}, h('tr', {}, ['Model', 'Provider', 'BYOK', 'Requests', 'Failed', 'List cost', 'Charged']
          .map((t, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : null }, t)))),
        h('tbody', {}, lines.length ? lines.map((l) => h('tr', {},
          h('td', {}, l.model), h('td', {}, l.provider ? providerName(l.provider) : '—'), h('td', {}, l.is_byok ? 'yes' : 'no'),
          h('td', { class: 'num' }, fmtInt(l.requests)), h('td', { class: 'num' }, fmtInt(l.failed_requests)),
          h('td', { class: 'num' }, fmtUsd(l.list_cost)), h('td', { class: 'num' }, fmtUsd(l.charged))))
          : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No requests this month.'))))))));

    root.append(await ledgerSection(1));
    return root;
  };

  function stat(label, value, id) {
    return h('div', { class: 'stat' }, h('div', { class: 'muted' }, label), h('div', { class: 'v', id: id ? `stat-${id}` : null }, value));
  }

  /** Two bar series per day (requests, spend), as SVG with a text summary; days without requests are zero. */
  function chart(month, days) {
    const [y, m] = month.split('-').map(Number);
    const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const byDay = new Map(days.map((d) => [Number(d.day.substring(8, 10)), d]));
    const reqs = []; const spend = [];
    for (let d = 1; d <= count; d++) { const x = byDay.get(d); reqs.push(x ? x.requests : 0); spend.push(x ? Number(x.charged) : 0); }
    const maxR = Math.max(1, ...reqs); const maxS = Math.max(0.000001, ...spend);
    const W = 620; const H = 170; const pad = 24; const bw = (W - pad * 2) / count;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('role', 'img');
    const totalR = reqs.reduce((a, b) => a + b, 0);
    const totalS = spend.reduce((a, b) => a + b, 0);
    svg.setAttribute('aria-label', `${fmtInt(totalR)} requests and ${fmtUsd(totalS)} charged in ${month}; busiest day ${fmtInt(Math.max(...reqs))} requests.`);
    const rect = (x, y0, w, hgt, fill) => { const r = document.createElementNS(ns, 'rect'); r.setAttribute('x', x); r.setAttribute('y', y0); r.setAttribute('width', w); r.setAttribute('height', hgt); r.setAttribute('fill', fill); return r; };
    for (let i = 0; i < count; i++) {
      const x = pad + i * bw;
      const rh = (reqs[i] / maxR) * (H - pad * 2);
      const sh = (spend[i] / maxS) * (H - pad * 2);
      svg.append(rect(x + 1, H - pad - rh, bw / 2 - 1, rh, '#0b57d0'), rect(x + bw / 2, H - pad - sh, bw / 2 - 1, sh, '#c26100'));
    }
    const axis = document.createElementNS(ns, 'line');
    axis.setAttribute('x1', pad); axis.setAttribute('x2', W - pad); axis.setAttribute('y1', H - pad); axis.setAttribute('y2', H - pad); axis.setAttribute('stroke', '#4a5260');
    svg.append(axis);
    for (const d of [1, 10, 20, count]) {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', pad + (d - 1) * bw); t.setAttribute('y', H - 6); t.setAttribute('font-size', '11'); t.setAttribute('fill', '#4a5260');
      t.textContent = String(d); svg.append(t);
    }
    return h('div', {}, svg, h('p', { class: 'hint' },
      h('span', { style: 'color:#0b57d0;font-weight:700' }, '■'), ' requests (highest ', fmtInt(maxR), ')  ',
      h('span', { style: 'color:#c26100;font-weight:700' }, '■'), ' charged (highest ', fmtUsd(spend.length ? Math.max(...spend) : 0), ')'));
  }

  async function ledgerSection(page) {
    const size = 25;
    const l = await billing(`/api/v1/ledger?page=${page}&page_size=${size}`);
    const section = h('section', { class: 'card', id: 'ledger-section', 'aria-labelledby': 'ledger-title' },
      h('h2', { id: 'ledger-title' }, 'Ledger'),
      h('div', { class: 'table-wrap' }, stackable(h('table', { id: 'ledger' },
        h('thead', {}, h('tr', {}, ['When', 'Kind', 'Amount', 'Description', 'Model', 'Provider', 'BYOK']
          .map((t, i) => h('th', { scope: 'col', class: i === 2 ? 'num' : null }, t)))),
        h('tbody', {}, (l.data || []).length ? l.data.map((e) => h('tr', {},
          h('td', {}, fmtTime(e.at)), h('td', {}, e.kind), h('td', { class: 'num' }, fmtUsd(e.amount)),
          h('td', {}, e.description || ''), h('td', {}, e.model || ''), h('td', {}, e.provider ? providerName(e.provider) : ''),
          h('td', {}, e.is_byok === null || e.is_byok === undefined ? '' : (e.is_byok ? 'yes' : 'no'))))
          : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No entries.')))))),
      h('div', { class: 'actions', style: 'margin-top:.6rem' },
        h('button', { type: 'button', class: 'secondary small', disabled: page <= 1, onclick: () => swapLedger(page - 1) }, 'Previous page'),
        h('span', { class: 'muted' }, `page ${page}`),
        h('button', { type: 'button', class: 'secondary small', disabled: !l.has_more, onclick: () => swapLedger(page + 1) }, 'Next page'),
        h('button', { type: 'button', id: 'export-csv', class: 'small', onclick: exportCsv }, 'Export CSV')));
    return section;
  }

  async function swapLedger(page) {
    const old = $('#ledger-section');
    old.setAttribute('aria-busy', 'true');
    try { old.replaceWith(await ledgerSection(page)); } catch (e) { old.prepend(banner('error', explain(e))); old.removeAttribute('aria-busy'); }
  }

  /** The whole ledger as CSV, page by page (the API pages it), saved as one file. */
  async function exportCsv() {
    const button = $('#export-csv');
    button.disabled = true; button.textContent = 'Exporting…';
    try {
      let csv = ''; let page = 1;
      for (;;) {
        const res = await billing(`/api/v1/ledger?format=csv&page=${page}&page_size=1000`, { raw: true, accept: 'text/csv' });
        const text = await res.text();
        csv += page === 1 ? text : text.substring(text.indexOf('\n') + 1);
        if (res.headers.get('X-Has-More') !== 'true') break;
        page += 1;
      }
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = h('a', { href: url, download: `keyway-ledger-${new Date().toISOString().substring(0, 10)}.csv` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      toast('Ledger exported');
    } catch (e) {
      toast(explain(e));
    } finally {
      button.disabled = false; button.textContent = 'Export CSV';
    }
  }

  // ---------- Activity ----------
  pages.activity = async function () {
    const [list, byok] = await Promise.all([gateway('/api/v1/generations?limit=100'), keys('/api/v1/byok?limit=500'), catalog()]);
    const keyNames = new Map((byok.data || []).map((k) => [k.id, k.name || k.label]));
    const rows = list.data || [];
    const root = h('div', {}, h('h1', {}, 'Activity'),
      h('p', { class: 'muted' }, 'The latest requests of this account, newest first, from every gateway instance (kept for the retention billing is configured with, 30 days by default).'),
      h('div', { class: 'actions', style: 'margin-bottom:.8rem' }, h('button', { type: 'button', class: 'secondary', onclick: reload }, 'Refresh')));
    const table = h('table', { id: 'activity' }, h('caption', { class: 'sr-only' }, 'Latest requests'),
      h('thead', {}, h('tr', {}, ['When', 'Model', 'Provider', 'BYOK', 'Status', 'Latency', 'Cost', 'Attempts']
        .map((t, i) => h('th', { scope: 'col', class: i === 5 || i === 6 ? 'num' : null }, t)))),
      h('tbody', {}, rows.length ? rows.map((g) => h('tr', { 'data-id': g.id },
        h('td', {}, fmtTime(g.created_at)), h('td', {}, g.model), h('td', {}, g.provider_name || '—'),
        h('td', {}, g.is_byok ? h('span', { class: 'tag byok' }, 'BYOK') : 'no'),
        h('td', {}, g.status >= 400 ? h('span', { class: 'tag off' }, String(g.status)) : String(g.status)),
        h('td', { class: 'num' }, `${fmtInt(g.generation_time)} ms`), h('td', { class: 'num' }, fmtUsd(g.total_cost)),
        h('td', {}, h('details', {}, h('summary', {}, `${g.provider_responses.length} attempt${g.provider_responses.length === 1 ? '' : 's'}`),
          h('ol', {}, g.provider_responses.map((a) => h('li', {},
            `${providerName(a.provider)} · ${a.credential === 'pooled' ? 'platform capacity' : 'your key ' + (keyNames.get(a.byok_key_id) || a.byok_key_id || '')}`
            + ` · ${a.status || a.outcome} (${a.outcome}) · ${fmtInt(a.latency)} ms`)))))))
        : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No requests yet.'))));
    root.append(h('div', { class: 'card table-wrap' }, stackable(table)));
    return root;
  };

  // ---------- start ----------
  async function start() {
    $('#sign-in-form').addEventListener('submit', signIn);
    $('#sign-out').addEventListener('click', signOut);
    window.addEventListener('hashchange', route);
    try {
      const res = await fetch('config.json', { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new ApiError(res.status, `config.json answered ${res.status}`);
      state.config = await res.json();
    } catch (e) {
      $('#page').hidden = false;
      $('#page').replaceChildren(banner('error', 'The console could not read its configuration: ' + explain(e)));
      return;
    }
    route();
  }

  start();
})();
