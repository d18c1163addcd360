"""A Judge0 CE client written from Judge0's API documentation (docs/api of
judge0/judge0: submissions, batches, base64_encoded, wait, fields, statuses,
languages, about, config_info), the way its SDKs talk to it: a base URL, the
X-Auth-Token header, source and input base64-encoded when asked, polling a
token until its status leaves In Queue / Processing."""

import base64
import http.client
import json
import time
import urllib.parse


class Judge0Error(Exception):
    def __init__(self, status, body):
        super().__init__("%d %s" % (status, body))
        self.status = status
        self.body = body


class Judge0:
    def __init__(self, base_url, auth_token=None):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port, self.base = u.hostname, u.port, u.path.rstrip("/")
        self.auth_token = auth_token

    def _call(self, method, path, query=None, body=None):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        if self.auth_token:
            headers["X-Auth-Token"] = self.auth_token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, url, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read().decode()
            parsed = json.loads(raw) if raw else None
            if r.status >= 400:
                raise Judge0Error(r.status, parsed)
            return r.status, parsed
        finally:
            conn.close()

    @staticmethod
    def _encode(submission):
        out = dict(submission)
        for k in ("source_code", "stdin", "expected_output"):
            if out.get(k) is not None:
                out[k] = base64.b64encode(out[k].encode()).decode()
        return out

    @staticmethod
    def _decode(result):
        for k in ("stdout", "stderr", "compile_output", "message", "source_code", "stdin"):
            if result.get(k) is not None:
                result[k] = base64.b64decode(result[k]).decode("utf-8", "replace")
        return result

    # --- the documented calls ---
    def create(self, submission, wait=False, base64_encoded=False, fields=None):
        q = {"base64_encoded": str(base64_encoded).lower(), "wait": str(wait).lower()}
        if fields:
            q["fields"] = fields
        body = self._encode(submission) if base64_encoded else submission
        status, out = self._call("POST", "/submissions", q, body)
        assert status == 201, status
        return self._decode(out) if base64_encoded and wait else out

    def get(self, token, base64_encoded=False, fields=None):
        q = {"base64_encoded": str(base64_encoded).lower()}
        if fields:
            q["fields"] = fields
        _, out = self._call("GET", "/submissions/" + token, q)
        return self._decode(out) if base64_encoded else out

    def wait_for(self, token, base64_encoded=False, fields=None, timeout=90):
        deadline = time.time() + timeout
        while True:
            out = self.get(token, base64_encoded, fields)
            if out["status"]["id"] not in (1, 2) or time.time() > deadline:
                return out
            time.sleep(0.2)

    def create_batch(self, submissions, base64_encoded=False):
        body = {"submissions": [self._encode(s) if base64_encoded else s for s in submissions]}
        _, out = self._call("POST", "/submissions/batch",
                            {"base64_encoded": str(base64_encoded).lower()}, body)
        return out

    def get_batch(self, tokens, base64_encoded=False, fields=None):
        q = {"tokens": ",".join(tokens), "base64_encoded": str(base64_encoded).lower()}
        if fields:
            q["fields"] = fields
        _, out = self._call("GET", "/submissions/batch", q)
        return [self._decode(s) if (s and base64_encoded) else s for s in out["submissions"]]

    def languages(self):
        return self._call("GET", "/languages")[1]

    def language(self, language_id):
        return self._call("GET", "/languages/%d" % language_id)[1]

    def statuses(self):
        return self._call("GET", "/statuses")[1]

    def about(self):
        return self._call("GET", "/about")[1]

    def config_info(self):
        return self._call("GET", "/config_info")[1]

    def system_info(self):
        return self._call("GET", "/system_info")[1]

    def workers(self):
        return self._call("GET", "/workers")[1]
