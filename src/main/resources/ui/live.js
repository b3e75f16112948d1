'use strict';
// The page's event stream ends when the page is left. A page kept in the back/forward cache would
// otherwise hold its stream open, and a browser has only six connections per host over HTTP/1.1:
// after a few pages every request queues behind streams nobody reads.
addEventListener('pagehide', () => htmx.trigger(document.body, 'htmx:beforeCleanupElement'));
// A page shown again from that cache shows old state and has no stream: load it afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
