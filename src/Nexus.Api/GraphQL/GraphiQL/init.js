// Boots GraphiQL for Nexus. Loaded as a same-origin file (no inline script) so a
// Content-Security-Policy with script-src 'self' works. Every asset comes from
// /graphiql/*; the only network traffic is POST /graphql on this origin.
(function () {
  'use strict';

  // GraphiQL's dialogs/menus (react-remove-scroll) inject a <style> element when
  // they open. It tags that element with the global __webpack_nonce__ if set, so
  // a server that sends a nonce-based CSP (style-src 'self' 'nonce-...') and puts
  // the same nonce on this <script> tag gets those styles allowed too.
  var thisScript = document.currentScript;
  if (thisScript && thisScript.nonce) {
    window.__webpack_nonce__ = thisScript.nonce;
  }

  var container = document.getElementById('graphiql');
  var endpoint = container.getAttribute('data-endpoint') || '/graphql';

  var DEFAULT_QUERY = '{ platforms { id name maxTextLength } }\n';

  function fetcher(graphQLParams, opts) {
    var headers = {};
    // Headers typed into GraphiQL's header editor first, ours last so the
    // request always stays a JSON POST.
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    headers['Accept'] = 'application/graphql-response+json, application/json';
    headers['Content-Type'] = 'application/json';

    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      credentials: 'same-origin',
      body: JSON.stringify(graphQLParams),
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          return {
            errors: [{
              message: 'HTTP ' + response.status + ' ' + response.statusText +
                ' (response was not JSON)' + (text ? ': ' + text.slice(0, 500) : ''),
            }],
          };
        }
      });
    });
  }

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      // Keep headers typed into the editor out of localStorage (they may hold tokens).
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
    })
  );
})();
