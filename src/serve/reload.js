// Live reload for `advocate serve`, linked into every page as it is served (never
// written by `build`). Each event lists the output files that changed, or is "*" for
// all; the tab reloads when its own page, or a file it loaded, is among them, and gets
// its scroll position back.
(function () {
  var key = "advocate-scroll";
  // The file this page was served from (the error page's, for an address with none).
  var self = document.currentScript && document.currentScript.getAttribute("data-file");
  try {
    var y = sessionStorage.getItem(key);
    if (y !== null) {
      sessionStorage.removeItem(key);
      window.scrollTo(0, +y);
    }
  } catch (e) {}

  // The output file a URL of this site names: /a/ is a/index.html.
  function file(url) {
    try {
      var u = new URL(url, location.href);
      if (u.origin !== location.origin) return null;
      var path = decodeURIComponent(u.pathname);
      return (path.slice(-1) === "/" ? path + "index.html" : path).slice(1);
    } catch (e) {
      return null;
    }
  }

  // Whether this page, or a file it loaded (not one it only links to, such as the feed
  // every page names), is among the changed files.
  function shown(changed) {
    if (changed.indexOf(self || file(location.href)) >= 0) return true;
    var loaded = document.querySelectorAll(
      "script[src], link[rel~=stylesheet], link[rel~=icon], img, source, video, audio"
    );
    for (var i = 0; i < loaded.length; i++) {
      var el = loaded[i];
      var url = el.currentSrc || el.src || el.href;
      if (url && changed.indexOf(file(url)) >= 0) return true;
    }
    return false;
  }

  var events = new EventSource("/__advocate/events");
  events.onmessage = function (event) {
    var changed = JSON.parse(event.data);
    if (changed !== "*" && !shown(changed)) return;
    try {
      sessionStorage.setItem(key, String(window.scrollY));
    } catch (e) {}
    location.reload();
  };
})();
