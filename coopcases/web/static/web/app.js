/* Progressive enhancement only: every form works without this file. */
(function () {
  "use strict";
  // Uploads: show progress, then go to the page the server redirects to; show the reason when refused.
  function enhanceUpload(form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var progress = form.querySelector("progress");
      var status = form.querySelector("[data-upload-status]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && progress) {
          progress.hidden = false;
          progress.value = Math.round((e.loaded / e.total) * 100);
          progress.textContent = progress.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          window.location.assign(xhr.responseURL || window.location.href);
        } else if (status) {
          status.innerHTML = xhr.responseText;
          if (progress) { progress.hidden = true; }
          status.focus();
        }
      });
      xhr.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(enhanceUpload);
  });
})();
