import type { SimResponse } from '../core/sim-http.types';

/** How often the page asks for new messages. Polling keeps the page a single file with no socket code. */
export const CHAT_POLL_MS = 500;

/** A speech bubble, served by the sim itself (otherwise the browser asks for /favicon.ico and logs a 404). */
export const CHAT_FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#1f6feb" d="M4 6h24v16H13l-7 5v-5H4z"/></svg>';

/**
 * The chat page (WeCom app mode and 微信客服 mode): one HTML document with inline CSS and JS, allowed by
 * a per-response nonce.
 * Everything the gateway or the person typed is put in the DOM with textContent (never innerHTML);
 * only http/https URLs become links.
 */
export function renderChatPage(nonce: string): SimResponse {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
    body: page(nonce),
  };
}

// String.raw keeps the script's regex backslashes; the script itself uses no template literals.
const page = (nonce: string): string => String.raw`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>模拟企业微信 / 微信客服用户 · Simulated WeCom / WeChat kf user</title>
<link rel="icon" href="/chat/favicon.svg" type="image/svg+xml">
<style nonce="${nonce}">
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.5 -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; background: #eef1f5; color: #1f2329; }
  header { background: #1f6feb; color: #fff; padding: 10px 20px; }
  header h1 { margin: 0; font-size: 17px; font-weight: 600; }
  header p { margin: 2px 0 0; font-size: 12px; opacity: .9; }
  main { display: grid; grid-template-columns: 320px 1fr; gap: 16px; padding: 16px 20px; max-width: 1200px; margin: 0 auto; height: calc(100vh - 62px); min-height: 480px; }
  .panel { background: #fff; border: 1px solid #dfe3e8; border-radius: 8px; padding: 14px; }
  .settings label { display: block; font-size: 12px; color: #555; margin: 10px 0 4px; }
  .settings { overflow-y: auto; }
  .settings > label:first-child { margin-top: 0; }
  input, select, textarea, button { font: inherit; }
  input, select, textarea { width: 100%; padding: 6px 8px; border: 1px solid #c9ced6; border-radius: 6px; background: #fff; }
  .row { display: flex; gap: 6px; }
  .row input { flex: 1; min-width: 0; }
  button { padding: 6px 14px; border: 1px solid #1f6feb; background: #1f6feb; color: #fff; border-radius: 6px; cursor: pointer; white-space: nowrap; }
  button.secondary { background: #fff; color: #1f6feb; }
  button:disabled { opacity: .5; cursor: default; }
  .hint { font-size: 12px; color: #6b7280; margin: 8px 0 0; }
  .warn { color: #b45309; }
  .chat { display: flex; flex-direction: column; padding: 0; overflow: hidden; }
  .chat-title { padding: 10px 14px; border-bottom: 1px solid #dfe3e8; font-weight: 600; }
  .transcript { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; background: #f6f7f9; }
  .empty { color: #8a919c; text-align: center; margin: auto; }
  .msg { max-width: 72%; display: flex; flex-direction: column; }
  .msg.from-user { align-self: flex-end; align-items: flex-end; }
  .msg.from-app { align-self: flex-start; align-items: flex-start; }
  .meta { font-size: 11px; color: #8a919c; margin-bottom: 2px; }
  .bubble { padding: 8px 12px; border-radius: 10px; white-space: pre-wrap; word-break: break-word; border: 1px solid #dfe3e8; background: #fff; }
  .from-user .bubble { background: #95ec69; border-color: #7dd155; }
  .bubble a { color: #0b57d0; }
  .bubble img { max-width: 260px; max-height: 260px; display: block; border-radius: 6px; }
  .tag { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 4px; background: #e8eefc; color: #1f4fbf; margin-left: 4px; }
  .article { border-top: 1px solid #eceff3; padding-top: 6px; margin-top: 6px; }
  .article:first-child { border-top: 0; padding-top: 0; margin-top: 0; }
  .article .title { font-weight: 600; }
  .article .desc { color: #4b5563; font-size: 13px; }
  .delivery-failed { color: #c62828; }
  .composer { display: flex; gap: 8px; padding: 10px 14px; border-top: 1px solid #dfe3e8; background: #fff; }
  .composer textarea { resize: none; height: 60px; }
  .status { font-size: 12px; color: #6b7280; padding: 0 14px 8px; background: #fff; min-height: 18px; }
  .status.error { color: #c62828; }
  .msg.from-system { align-self: center; align-items: center; max-width: 90%; }
  .from-system .bubble { background: transparent; border: 0; color: #6b7280; font-size: 12px; padding: 0; }
  .msg.recalled .bubble { text-decoration: line-through; opacity: .6; }
  .menu-head, .menu-tail { margin: 2px 0; }
  .menu-item { margin: 4px 0; }
  button.menu-option { display: block; width: 100%; text-align: left; background: #fff; color: #1f6feb; white-space: normal; }
  .open-link { margin-top: 10px; }
  .open-link button { width: 100%; }
  dl.kf-session { display: grid; grid-template-columns: auto 1fr; gap: 4px 10px; margin: 10px 0 0; padding: 10px; background: #f6f7f9; border-radius: 6px; font-size: 13px; }
  dl.kf-session dt { color: #555; }
  dl.kf-session dd { margin: 0; font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>模拟企业微信 / 微信客服用户 · Simulated WeCom / WeChat kf user</h1>
  <p>扮演用户与网关对话，对方发来的消息实时显示。 · Play a user talking to the gateway; what the other side sends shows up live.</p>
</header>
<main>
  <section class="panel settings" aria-label="设置 Settings">
    <label for="mode">模式 · Mode</label>
    <select id="mode" data-testid="chat-mode">
      <option value="wecom">企业微信应用 · WeCom app</option>
      <option value="kf">微信客服 · WeChat kf</option>
    </select>
    <div id="wecom-settings">
    <p class="hint">消息以签名加密的回调发给网关。 · Messages reach the gateway as signed, encrypted callbacks.</p>
    <label for="app">应用 App (CorpID / AgentId)</label>
    <select id="app" data-testid="chat-app"></select>
    <p class="hint warn" id="no-apps" data-testid="chat-no-apps" hidden>还没有应用：先在模拟器注册企业微信应用（POST /_sim/wecom/apps）并完成 URL 验证。 · No apps yet: register a WeCom app with the simulator and verify its callback URL.</p>
    <label for="callback">回调地址 Callback URL</label>
    <div class="row">
      <input id="callback" data-testid="chat-callback-url" type="url" placeholder="https://gateway.example.com/callbacks/wecom/…" autocomplete="off">
      <button id="callback-save" class="secondary" data-testid="chat-callback-save" type="button">保存 Save</button>
    </div>
    <p class="hint">URL 验证通过后自动填入。 · Filled in once URL verification passes.</p>
    <label for="user-id">用户 ID · User ID (FromUserName)</label>
    <input id="user-id" data-testid="chat-user-id" autocomplete="off" maxlength="64" placeholder="zhangsan">
    <label for="display-name">显示名称 · Display name</label>
    <input id="display-name" data-testid="chat-display-name" autocomplete="off" maxlength="64" placeholder="张三">
    <p class="hint">企业微信回调只带用户 ID；名称只显示在本页。 · WeCom callbacks carry the user ID only; the name is shown on this page.</p>
    </div>
    <div id="kf-settings" hidden>
    <p class="hint">消息写入客服消息记录（sync_msg）并推送 kf_msg_or_event。 · Messages join the kf message log (sync_msg) and kf_msg_or_event is pushed.</p>
    <label for="kf-account">客服帐号 · KF account</label>
    <select id="kf-account" data-testid="chat-kf-account"></select>
    <p class="hint warn" id="kf-no-accounts" data-testid="chat-kf-no-accounts" hidden>还没有客服帐号：先在模拟器创建（POST /_sim/kf/accounts）。 · No kf accounts yet: create one with the simulator (POST /_sim/kf/accounts).</p>
    <label for="kf-customer">客户 · Customer (external_userid)</label>
    <input id="kf-customer" data-testid="chat-kf-customer" autocomplete="off" maxlength="64" placeholder="wmSimCustomer01">
    <dl class="kf-session" data-testid="chat-kf-session">
      <dt>会话状态 · State</dt><dd id="kf-state" data-testid="chat-kf-state">—</dd>
      <dt>接待人员 · Servicer</dt><dd id="kf-servicer" data-testid="chat-kf-servicer">—</dd>
      <dt>剩余可回复 · Quota left</dt><dd id="kf-quota" data-testid="chat-kf-quota">—</dd>
    </dl>
    <p class="hint">网关在客户最后一条消息后 48 小时内最多回复 5 条（send_msg）。 · The gateway may send at most 5 messages (send_msg) within 48 h of the customer's last message.</p>
    <label for="kf-link">客服链接 · Contact link</label>
    <select id="kf-link" data-testid="chat-kf-link"></select>
    <label for="kf-scene-param">scene_param（可选 · optional）</label>
    <input id="kf-scene-param" data-testid="chat-kf-scene-param" autocomplete="off" maxlength="128" placeholder="order=1001">
    <div class="open-link"><button id="kf-open-link" data-testid="chat-kf-open-link" type="button">打开客服链接 / Open contact link</button></div>
    <p class="hint">有链接（kf/add_contact_way 生成）时按链接进入，否则直接进入会话（enter_session）。 · Opens the chosen link (made by kf/add_contact_way); without one, enters the session directly (enter_session).</p>
    <label for="kf-callback">回调地址 · Callback URL (kf_msg_or_event)</label>
    <div class="row">
      <input id="kf-callback" data-testid="chat-kf-callback-url" type="url" placeholder="https://gateway.example.com/callbacks/wecom-kf/…" autocomplete="off">
      <button id="kf-callback-save" class="secondary" data-testid="chat-kf-callback-save" type="button">保存 Save</button>
    </div>
    </div>
  </section>
  <section class="panel chat" aria-label="会话 Conversation">
    <div class="chat-title" id="chat-title" data-testid="chat-title">会话 · Conversation</div>
    <div class="transcript" id="transcript" data-testid="chat-transcript" aria-live="polite">
      <p class="empty" id="empty">还没有消息 · No messages yet</p>
    </div>
    <div class="composer">
      <textarea id="input" data-testid="chat-input" placeholder="输入消息，Enter 发送，Shift+Enter 换行 · Type a message: Enter sends, Shift+Enter adds a line" maxlength="2000"></textarea>
      <button id="send" data-testid="chat-send" type="button">发送 Send</button>
    </div>
    <div class="status" id="status" data-testid="chat-status" role="status"></div>
  </section>
</main>
<script nonce="${nonce}">
(function () {
  'use strict';
  var POLL_MS = ${String(CHAT_POLL_MS)};
  var $ = function (id) { return document.getElementById(id); };
  var modeSel = $('mode');
  var appSel = $('app'), callbackInput = $('callback'), userInput = $('user-id'), nameInput = $('display-name');
  var kfAccountSel = $('kf-account'), kfCustomerInput = $('kf-customer'), kfLinkSel = $('kf-link'), kfSceneParamInput = $('kf-scene-param');
  var kfOpenBtn = $('kf-open-link'), kfCallbackInput = $('kf-callback');
  var input = $('input'), sendBtn = $('send'), transcript = $('transcript'), statusEl = $('status');
  var params = new URLSearchParams(location.search);
  var mode = params.get('mode') === 'kf' || (!params.get('mode') && localStorage.getItem('sim-chat-mode') === 'kf') ? 'kf' : 'wecom';
  var apps = [];
  var kfAccounts = [];
  var kfLinks = [];
  var kfCallback = null;    // {url, mode} of the selected account's corp
  var rendered = [];        // [{id, sig, el}] in display order
  var pollSeq = 0;
  var callbackDirty = false, kfCallbackDirty = false, kfLinkChosen = false;
  var KF_STATES = { 0: '未处理 · Untreated', 1: '智能助手接待 · Smart assistant', 2: '待接入池排队中 · Queued', 3: '由人工接待 · Servicer', 4: '已结束/未开始 · Ended / not started' };
  var KF_QUOTA = 5;

  function setStatus(text, isError) {
    statusEl.textContent = text || '';
    statusEl.className = 'status' + (isError ? ' error' : '');
  }

  function request(method, url, body) {
    var init = { method: method, headers: { accept: 'application/json' } };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (!res.ok) {
          var msg = json && json.message ? json.message : ('HTTP ' + res.status);
          throw new Error(msg);
        }
        return json;
      });
    });
  }

  function appKey(a) { return a.corpId + '/' + a.agentId; }
  function currentApp() {
    for (var i = 0; i < apps.length; i++) if (appKey(apps[i]) === appSel.value) return apps[i];
    return null;
  }
  function currentKfAccount() {
    for (var i = 0; i < kfAccounts.length; i++) if (kfAccounts[i].openKfid === kfAccountSel.value) return kfAccounts[i];
    return null;
  }

  function safeHttpUrl(text) {
    try {
      var u = new URL(text);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) { return null; }
  }

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  // Text as text nodes; only http(s) URLs become links.
  function appendText(parent, text) {
    var re = /https?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff5e]+/g;
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var href = safeHttpUrl(m[0]);
      parent.appendChild(href ? link(href, m[0]) : document.createTextNode(m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clock(iso) {
    var d = new Date(iso);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  function tag(parent, text) {
    var t = document.createElement('span');
    t.className = 'tag';
    t.textContent = text;
    parent.appendChild(t);
  }

  var KIND_LABEL = { markdown: 'Markdown', image: '图片 Image', news: '图文 News' };

  // ---- WeCom app mode ----

  function renderEntry(e) {
    var wrap = document.createElement('div');
    wrap.className = 'msg from-' + e.from;
    wrap.setAttribute('data-testid', 'chat-entry');
    wrap.setAttribute('data-from', e.from);
    wrap.setAttribute('data-kind', e.kind);
    wrap.setAttribute('data-id', e.id);
    var meta = document.createElement('div');
    meta.className = 'meta';
    var who = e.from === 'user' ? (e.displayName || userInput.value || '用户 User') : '应用 App';
    meta.appendChild(document.createTextNode(who + ' · ' + clock(e.at)));
    var label = e.kind === 'other' ? e.msgtype : KIND_LABEL[e.kind];
    if (label) tag(meta, label);
    if (e.from === 'user') {
      var d = document.createElement('span');
      d.setAttribute('data-testid', 'chat-delivery');
      if (!e.delivery) d.textContent = ' · 发送中 Sending…';
      else if (e.delivery.status === 200) d.textContent = ' · 网关已接收 Accepted (' + e.delivery.durationMs + ' ms)';
      else {
        d.className = 'delivery-failed';
        d.textContent = ' · 网关未接收 Not accepted: ' + (e.delivery.status ? 'HTTP ' + e.delivery.status : (e.delivery.error || 'no answer'));
      }
      meta.appendChild(d);
    }
    wrap.appendChild(meta);
    var bubble = document.createElement('div');
    bubble.className = 'bubble';
    bubble.setAttribute('data-testid', 'chat-bubble');
    if (e.kind === 'image') {
      var img = document.createElement('img');
      img.alt = '图片 Image';
      img.src = '/_sim/chat/media?mediaId=' + encodeURIComponent(e.mediaId || '');
      img.addEventListener('error', function () { bubble.textContent = '[图片 Image] ' + (e.mediaId || ''); });
      bubble.appendChild(img);
    } else if (e.kind === 'news') {
      (e.articles || []).forEach(function (a) {
        var art = document.createElement('div');
        art.className = 'article';
        var title = document.createElement('div');
        title.className = 'title';
        var href = a.url ? safeHttpUrl(a.url) : null;
        if (href) title.appendChild(link(href, a.title || a.url)); else title.textContent = a.title;
        art.appendChild(title);
        if (a.description) {
          var desc = document.createElement('div');
          desc.className = 'desc';
          appendText(desc, a.description);
          art.appendChild(desc);
        }
        var pic = a.picUrl ? safeHttpUrl(a.picUrl) : null;
        if (pic) { var p = document.createElement('div'); p.appendChild(link(pic, '图片 Picture')); art.appendChild(p); }
        bubble.appendChild(art);
      });
    } else {
      appendText(bubble, e.text || '');
    }
    wrap.appendChild(bubble);
    return wrap;
  }

  // ---- WeChat kf mode ----

  function renderKfMenu(bubble, menu) {
    if (menu.head) { var h = document.createElement('div'); h.className = 'menu-head'; appendText(h, menu.head); bubble.appendChild(h); }
    (menu.items || []).forEach(function (it) {
      var row = document.createElement('div');
      row.className = 'menu-item';
      if (it.type === 'click') {
        // Tapping an option sends its content as text with menu_id, like the WeChat client.
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'menu-option';
        b.setAttribute('data-testid', 'chat-kf-menu-option');
        b.setAttribute('data-menu-id', it.id);
        b.textContent = it.content;
        b.addEventListener('click', function () { sendKf({ type: 'text', content: it.content || it.id, menuId: it.id }); });
        row.appendChild(b);
      } else if (it.type === 'view') {
        var href = safeHttpUrl(it.url);
        if (href) row.appendChild(link(href, it.content || it.url)); else row.textContent = it.content;
      } else if (it.type === 'miniprogram') {
        row.textContent = '[小程序 Mini program] ' + it.content;
      } else {
        appendText(row, it.content || '');
      }
      bubble.appendChild(row);
    });
    if (menu.tail) { var t = document.createElement('div'); t.className = 'menu-tail'; appendText(t, menu.tail); bubble.appendChild(t); }
  }

  function renderKfEntry(e) {
    var side = e.from === 'customer' ? 'user' : e.from === 'system' ? 'system' : 'app';
    var wrap = document.createElement('div');
    wrap.className = 'msg from-' + side + (e.recalled ? ' recalled' : '');
    wrap.setAttribute('data-testid', 'chat-entry');
    wrap.setAttribute('data-from', e.from);
    wrap.setAttribute('data-kind', e.kind);
    wrap.setAttribute('data-id', e.id);
    wrap.setAttribute('data-msgid', e.msgid);
    var meta = document.createElement('div');
    meta.className = 'meta';
    var who = e.from === 'customer' ? '客户 Customer' : e.from === 'kf' ? '客服 KF' : e.from === 'servicer' ? '接待人员 Servicer ' + (e.servicerUserId || '') : '系统 System';
    meta.appendChild(document.createTextNode(who + ' · ' + clock(e.at)));
    if (e.via === 'send_msg_on_event') tag(meta, '事件消息 On event');
    if (e.kind === 'menu') tag(meta, '菜单 Menu');
    else if (e.kind === 'other') tag(meta, e.msgtype);
    if (e.menuId) tag(meta, '菜单选项 Menu option · ' + e.menuId);
    if (e.recalled) tag(meta, '已撤回 Recalled');
    wrap.appendChild(meta);
    var bubble = document.createElement('div');
    bubble.className = 'bubble';
    bubble.setAttribute('data-testid', 'chat-bubble');
    if (e.kind === 'menu' && e.menu) renderKfMenu(bubble, e.menu);
    else appendText(bubble, e.text || '');
    wrap.appendChild(bubble);
    return wrap;
  }

  function showKfSession(s) {
    var stateEl = $('kf-state'), quotaEl = $('kf-quota');
    if (!s) {
      stateEl.textContent = '—'; stateEl.removeAttribute('data-state');
      quotaEl.textContent = '—'; quotaEl.removeAttribute('data-quota');
      $('kf-servicer').textContent = '—';
      return;
    }
    stateEl.textContent = s.serviceState + ' ' + (KF_STATES[s.serviceState] || '');
    stateEl.setAttribute('data-state', String(s.serviceState));
    quotaEl.textContent = s.quotaLeft + ' / ' + KF_QUOTA;
    quotaEl.setAttribute('data-quota', String(s.quotaLeft));
    $('kf-servicer').textContent = s.servicerUserId || '—';
  }

  // ---- transcript ----

  function render(entries, renderOne) {
    var nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 60;
    var samePrefix = rendered.length <= entries.length;
    for (var i = 0; samePrefix && i < rendered.length; i++) if (rendered[i].id !== entries[i].id) samePrefix = false;
    if (!samePrefix) {
      rendered.forEach(function (r) { r.el.remove(); });
      rendered = [];
    }
    entries.forEach(function (e, idx) {
      var sig = JSON.stringify(e);
      var old = rendered[idx];
      if (old && old.sig === sig) return;
      var el = renderOne(e);
      if (old) { transcript.replaceChild(el, old.el); rendered[idx] = { id: e.id, sig: sig, el: el }; }
      else { transcript.appendChild(el); rendered.push({ id: e.id, sig: sig, el: el }); }
    });
    $('empty').hidden = entries.length > 0;
    if (nearBottom) transcript.scrollTop = transcript.scrollHeight;
  }

  function clearTranscript() {
    rendered.forEach(function (r) { r.el.remove(); });
    rendered = [];
    $('empty').hidden = false;
    if (mode === 'kf') showKfSession(null);
  }

  function conversationUrl() {
    if (mode === 'kf') {
      var acc = currentKfAccount();
      var customer = kfCustomerInput.value.trim();
      if (!acc || !customer) return null;
      return '/_sim/kf/conversation?openKfid=' + encodeURIComponent(acc.openKfid) + '&externalUserId=' + encodeURIComponent(customer);
    }
    var app = currentApp();
    var userId = userInput.value.trim();
    if (!app || !userId) return null;
    return '/_sim/chat/conversation?corpId=' + encodeURIComponent(app.corpId) + '&agentId=' + encodeURIComponent(app.agentId) + '&userId=' + encodeURIComponent(userId);
  }

  function poll() {
    var url = conversationUrl();
    var mine = ++pollSeq;
    var kf = mode === 'kf';
    if (!url) { clearTranscript(); return Promise.resolve(); }
    return request('GET', url).then(function (json) {
      if (mine !== pollSeq) return;
      render(json.entries || [], kf ? renderKfEntry : renderEntry);
      if (kf) showKfSession(json.session);
    }, function (err) { if (mine === pollSeq) setStatus('刷新失败 Refresh failed: ' + err.message, true); });
  }

  function updateTitle() {
    var title = '会话 · Conversation';
    if (mode === 'kf') {
      var acc = currentKfAccount();
      var customer = kfCustomerInput.value.trim();
      if (acc && customer) title = customer + ' ↔ ' + acc.name + ' (' + acc.openKfid + ')';
    } else {
      var app = currentApp();
      var userId = userInput.value.trim();
      if (app && userId) title = userId + ' ↔ ' + app.corpId + ' / ' + app.agentId;
    }
    $('chat-title').textContent = title;
  }

  // ---- settings ----

  function fillCallback() {
    var app = currentApp();
    if (!callbackDirty && document.activeElement !== callbackInput) callbackInput.value = app && app.callbackUrl ? app.callbackUrl : '';
  }

  function fillSelect(sel, items, keyOf, labelOf, extra) {
    var keys = (extra ? [extra.value] : []).concat(items.map(keyOf)).join('|');
    if (sel.getAttribute('data-keys') === keys) return false;
    var previous = sel.value;
    sel.textContent = '';
    if (extra) { var e = document.createElement('option'); e.value = extra.value; e.textContent = extra.label; sel.appendChild(e); }
    items.forEach(function (it) {
      var o = document.createElement('option');
      o.value = keyOf(it);
      o.textContent = labelOf(it);
      sel.appendChild(o);
    });
    sel.setAttribute('data-keys', keys);
    if (previous) sel.value = previous;
    return true;
  }

  function loadApps() {
    return request('GET', '/_sim/chat/apps').then(function (json) {
      var previous = appSel.value || (params.get('corpId') ? params.get('corpId') + '/' + (params.get('agentId') || '') : '');
      apps = json.apps || [];
      var keys = apps.map(appKey).join('|');
      if (appSel.getAttribute('data-keys') !== keys) {
        appSel.textContent = '';
        apps.forEach(function (a) {
          var o = document.createElement('option');
          o.value = appKey(a);
          o.textContent = a.corpId + ' / ' + a.agentId;
          appSel.appendChild(o);
        });
        appSel.setAttribute('data-keys', keys);
        var match = apps.filter(function (a) { return appKey(a) === previous || (!params.get('agentId') && a.corpId === previous.split('/')[0]); })[0];
        if (match) appSel.value = appKey(match);
      }
      $('no-apps').hidden = apps.length > 0;
      fillCallback();
      updateTitle();
    }, function (err) { setStatus('读取应用失败 Could not load apps: ' + err.message, true); });
  }

  function loadKfLinks() {
    var acc = currentKfAccount();
    var direct = { value: '', label: '直接进入（无链接） · Enter directly (no link)' };
    var urlOf = function (l) { return l.url; };
    var labelOf = function (l) { return (l.scene || '(无 scene · no scene)') + ' · ' + l.url; };
    if (!acc) { kfLinks = []; fillSelect(kfLinkSel, [], urlOf, labelOf, direct); return Promise.resolve(); }
    return request('GET', '/_sim/kf/links?openKfid=' + encodeURIComponent(acc.openKfid)).then(function (json) {
      kfLinks = json.links || [];
      var changed = fillSelect(kfLinkSel, kfLinks, urlOf, labelOf, direct);
      // Default to the newest link until the person picks something.
      if (changed && !kfLinkChosen) kfLinkSel.value = kfLinks.length ? kfLinks[kfLinks.length - 1].url : '';
    });
  }

  function loadKfCallback() {
    var acc = currentKfAccount();
    if (!acc) { kfCallback = null; return Promise.resolve(); }
    return request('GET', '/_sim/kf/callback?corpId=' + encodeURIComponent(acc.corpId)).then(function (json) {
      kfCallback = json.url ? { url: json.url, mode: json.mode } : null;
      if (!kfCallbackDirty && document.activeElement !== kfCallbackInput) kfCallbackInput.value = kfCallback ? kfCallback.url : '';
    });
  }

  function loadKfAccounts() {
    return request('GET', '/_sim/kf/accounts').then(function (json) {
      kfAccounts = json.accounts || [];
      var had = kfAccountSel.value;
      fillSelect(kfAccountSel, kfAccounts, function (a) { return a.openKfid; }, function (a) { return a.name + ' · ' + a.corpId + ' / ' + a.openKfid; });
      if (!had && params.get('openKfid')) kfAccountSel.value = params.get('openKfid');
      if (!currentKfAccount() && kfAccounts.length) kfAccountSel.value = kfAccounts[0].openKfid;
      $('kf-no-accounts').hidden = kfAccounts.length > 0;
      updateTitle();
      return Promise.all([loadKfLinks(), loadKfCallback()]);
    }).catch(function (err) { setStatus('读取客服帐号失败 Could not load kf accounts: ' + err.message, true); });
  }

  function loadSettings() {
    return mode === 'kf' ? loadKfAccounts() : loadApps();
  }

  function saveCallback() {
    var app = currentApp();
    if (!app) return Promise.reject(new Error('先选择应用 Choose an app first'));
    var url = callbackInput.value.trim();
    return request('PUT', '/_sim/chat/apps', { corpId: app.corpId, agentId: app.agentId, callbackUrl: url }).then(function (json) {
      app.callbackUrl = json.app.callbackUrl;
      callbackDirty = false;
      setStatus('回调地址已保存 Callback URL saved');
    });
  }

  function saveKfCallback() {
    var acc = currentKfAccount();
    if (!acc) return Promise.reject(new Error('先选择客服帐号 Choose a kf account first'));
    var body = { corpId: acc.corpId, url: kfCallbackInput.value.trim() };
    if (kfCallback && kfCallback.mode) body.mode = kfCallback.mode;
    return request('POST', '/_sim/kf/callback', body).then(function (json) {
      kfCallback = { url: json.url, mode: json.mode };
      kfCallbackDirty = false;
      setStatus('回调地址已保存 Callback URL saved');
    });
  }

  // ---- sending ----

  function send() {
    if (mode === 'kf') {
      if (input.value.trim()) sendKf({ type: 'text', content: input.value }, true);
      return;
    }
    var app = currentApp();
    var text = input.value;
    var userId = userInput.value.trim();
    if (!app) { setStatus('先选择应用 Choose an app first', true); return; }
    if (!userId) { setStatus('请填写用户 ID Enter a user ID', true); userInput.focus(); return; }
    if (!text.trim()) return;
    sendBtn.disabled = true;
    setStatus('发送中 Sending…');
    var before = callbackDirty ? saveCallback() : Promise.resolve();
    before.then(function () {
      var body = { corpId: app.corpId, agentId: app.agentId, userId: userId, text: text };
      var name = nameInput.value.trim();
      if (name) body.displayName = name;
      return request('POST', '/_sim/chat/send', body);
    }).then(function (json) {
      input.value = '';
      var d = json.entry.delivery;
      if (d && d.status === 200) setStatus('网关已接收 Accepted by the gateway (' + d.durationMs + ' ms)');
      else setStatus('网关未接收 Not accepted by the gateway: ' + (d && d.status ? 'HTTP ' + d.status : (d && d.error) || 'no answer'), true);
      transcript.scrollTop = transcript.scrollHeight;
      return poll();
    }).catch(function (err) {
      setStatus('发送失败 Send failed: ' + err.message, true);
    }).then(function () {
      sendBtn.disabled = false;
      input.focus();
    });
  }

  function kfTarget() {
    var acc = currentKfAccount();
    var customer = kfCustomerInput.value.trim();
    if (!acc) { setStatus('先选择客服帐号 Choose a kf account first', true); return null; }
    if (!/^wm[0-9A-Za-z_-]+$/.test(customer)) { setStatus('客户 ID 须以 wm 开头 · The customer id must look like wm…', true); kfCustomerInput.focus(); return null; }
    return { acc: acc, customer: customer };
  }

  // What the simulator did with the callback: the gateway only hears of a message through kf_msg_or_event.
  function callbackStatus(prefix, json) {
    var cbs = json.callbacks || [];
    if (!cbs.length) { setStatus(prefix + '；未推送回调（未设置回调地址，或模式为 hold/none） · ' + 'no callback pushed (no callback URL, or mode hold/none)'); return; }
    var bad = cbs.filter(function (c) { return c.status !== 200; })[0];
    if (bad) setStatus(prefix + '；网关未接收回调 · the gateway did not accept the callback: ' + (bad.status ? 'HTTP ' + bad.status : (bad.error || 'no answer')), true);
    else setStatus(prefix + '；已通知网关 · gateway notified (kf_msg_or_event, HTTP 200)');
  }

  function kfAction(path, body, prefix, clearInput) {
    sendBtn.disabled = true; kfOpenBtn.disabled = true;
    setStatus('发送中 Sending…');
    var before = kfCallbackDirty ? saveKfCallback() : Promise.resolve();
    return before.then(function () { return request('POST', path, body); }).then(function (json) {
      if (clearInput) input.value = '';
      callbackStatus(prefix, json);
      transcript.scrollTop = transcript.scrollHeight;
      return poll();
    }).catch(function (err) {
      setStatus('发送失败 Send failed: ' + err.message, true);
    }).then(function () {
      sendBtn.disabled = false; kfOpenBtn.disabled = false;
    });
  }

  function sendKf(message, clearInput) {
    var t = kfTarget();
    if (!t) return;
    kfAction('/_sim/kf/customer-message', { openKfid: t.acc.openKfid, externalUserId: t.customer, message: message }, '已发送 Sent', clearInput);
  }

  function openLink() {
    var t = kfTarget();
    if (!t) return;
    var url = kfLinkSel.value;
    var sp = kfSceneParamInput.value.trim();
    if (url) {
      // The integrator may append &scene_param=<urlencoded>; nothing else of the URL may change.
      var full = url + (sp ? (url.indexOf('?') >= 0 ? '&' : '?') + 'scene_param=' + encodeURIComponent(sp) : '');
      kfAction('/_sim/kf/open-link', { url: full, externalUserId: t.customer }, '已打开客服链接 Opened the contact link');
    } else {
      var message = { type: 'enter_session' };
      if (sp) message.sceneParam = sp;
      kfAction('/_sim/kf/customer-message', { openKfid: t.acc.openKfid, externalUserId: t.customer, message: message }, '已进入会话 Entered the session');
    }
  }

  function applyMode() {
    modeSel.value = mode;
    $('wecom-settings').hidden = mode !== 'wecom';
    $('kf-settings').hidden = mode !== 'kf';
    clearTranscript();
    setStatus('');
    updateTitle();
    return loadSettings().then(poll);
  }

  userInput.value = params.get('userId') || localStorage.getItem('sim-chat-user') || '';
  nameInput.value = params.get('name') || localStorage.getItem('sim-chat-name') || '';
  kfCustomerInput.value = params.get('externalUserId') || localStorage.getItem('sim-chat-kf-customer') || 'wmSimCustomer01';
  modeSel.addEventListener('change', function () { mode = modeSel.value === 'kf' ? 'kf' : 'wecom'; localStorage.setItem('sim-chat-mode', mode); applyMode(); });
  userInput.addEventListener('change', function () { localStorage.setItem('sim-chat-user', userInput.value.trim()); clearTranscript(); updateTitle(); poll(); });
  nameInput.addEventListener('change', function () { localStorage.setItem('sim-chat-name', nameInput.value.trim()); });
  appSel.addEventListener('change', function () { callbackDirty = false; fillCallback(); clearTranscript(); updateTitle(); poll(); });
  callbackInput.addEventListener('input', function () { callbackDirty = true; });
  $('callback-save').addEventListener('click', function () { saveCallback().catch(function (err) { setStatus('保存失败 Save failed: ' + err.message, true); }); });
  kfAccountSel.addEventListener('change', function () {
    kfCallbackDirty = false; kfLinkChosen = false; kfLinkSel.removeAttribute('data-keys');
    clearTranscript(); updateTitle(); Promise.all([loadKfLinks(), loadKfCallback()]).then(poll);
  });
  kfCustomerInput.addEventListener('change', function () { localStorage.setItem('sim-chat-kf-customer', kfCustomerInput.value.trim()); clearTranscript(); updateTitle(); poll(); });
  kfLinkSel.addEventListener('change', function () { kfLinkChosen = true; });
  kfCallbackInput.addEventListener('input', function () { kfCallbackDirty = true; });
  $('kf-callback-save').addEventListener('click', function () { saveKfCallback().catch(function (err) { setStatus('保存失败 Save failed: ' + err.message, true); }); });
  kfOpenBtn.addEventListener('click', openLink);
  sendBtn.addEventListener('click', send);
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
  });

  applyMode();
  setInterval(poll, POLL_MS);
  setInterval(loadSettings, 3000);
})();
</script>
</body>
</html>
`;
