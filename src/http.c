/*
 * http.c - JSON over HTTP with libcurl, with the drivers' retry policy.
 */
#include "treqs/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "treqs/yaml.h"

static void global_init(void)
{
	static int done;

	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = 1;
	}
}

int treqs_http_init(struct treqs_http *h, const char *endpoint)
{
	size_t n;

	memset(h, 0, sizeof(*h));
	global_init();
	if (!endpoint || !*endpoint)
		return treqs_error(TREQS_EINVALID, "no endpoint configured");
	h->endpoint = xstrdup(endpoint);
	if (!strncmp(endpoint, "unix:", 5)) {
		const char *path = endpoint + 5;
		if (*path != '/')
			return treqs_error(TREQS_EINVALID, "endpoint '%s': expected unix:/absolute/path.sock", endpoint);
		h->unix_socket = xstrdup(path);
		h->base_url = xstrdup("http://localhost");
	} else if (!strncmp(endpoint, "http://", 7) || !strncmp(endpoint, "https://", 8)) {
		h->base_url = xstrdup(endpoint);
		n = strlen(h->base_url);
		while (n && h->base_url[n - 1] == '/')
			h->base_url[--n] = '\0';
	} else {
		return treqs_error(TREQS_EINVALID, "endpoint '%s': expected http://, https:// or unix:", endpoint);
	}
	h->timeout_ms = 30000;
	h->connect_timeout_ms = 5000;
	h->retries = 4;
	h->backoff_ms = 200;
	return 0;
}

void treqs_http_clear(struct treqs_http *h)
{
	free(h->endpoint);
	free(h->base_url);
	free(h->unix_socket);
	free(h->credential_name);
	free(h->ca_file);
	treqs_strv_free(&h->headers);
	memset(h, 0, sizeof(*h));
}

void treqs_http_header(struct treqs_http *h, const char *name, const char *value)
{
	treqs_strv_push_owned(&h->headers, xasprintf("%s: %s", name, value));
}

void treqs_http_bearer(struct treqs_http *h, const char *token, const char *name)
{
	char *v = xasprintf("Bearer %s", token);

	treqs_http_header(h, "Authorization", v);
	free(v);
	free(h->credential_name);
	h->credential_name = xstrdup(name);
}

void treqs_http_response_clear(struct treqs_http_response *r)
{
	treqs_buf_free(&r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

#define MAX_BODY (64u << 20)

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	struct treqs_buf *b = ud;

	if (b->len + size * n > MAX_BODY)
		return 0; /* a runaway answer: stop reading (curl says CURLE_WRITE_ERROR) */
	treqs_buf_put(b, ptr, size * n);
	return size * n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int treqs_http_request(struct treqs_http *h, const char *method, const char *path, json_t *body,
		       struct treqs_http_response *resp)
{
	char *url = xasprintf("%s%s", h->base_url, path), *payload = NULL;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	long wait = h->backoff_ms;
	int attempt, ret = 0;
	size_t i;

	memset(resp, 0, sizeof(*resp));
	if (body)
		payload = json_dumps(body, JSON_COMPACT);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (payload)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH"))
		hdrs = curl_slist_append(hdrs, "Content-Type:"); /* an empty body: no form type */
	for (i = 0; i < h->headers.n; i++)
		hdrs = curl_slist_append(hdrs, h->headers.v[i]);

	for (attempt = 0; attempt <= h->retries; attempt++) {
		CURL *c = curl_easy_init();
		CURLcode rc;
		int retry = 0;

		if (!c) {
			ret = treqs_error(TREQS_EENV, "unable to start an HTTP request");
			break;
		}
		treqs_buf_clear(&resp->body);
		resp->status = 0;
		errbuf[0] = '\0';
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		if (payload) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
		} else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
			/* "Content-Length: 0": proxies answer 411 to a POST without a length */
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
		if (h->unix_socket)
			curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->unix_socket);
		if (h->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
		if (h->insecure) {
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		}
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		curl_easy_cleanup(c);

		if (rc == CURLE_WRITE_ERROR) {
			/* only on_data refuses to write: say why, not curl's "failed writing body" */
			ret = treqs_error(TREQS_EENV, "%s %s at %s: the answer is larger than %u MiB; not read", method, path,
					  h->endpoint, MAX_BODY >> 20);
		} else if (rc != CURLE_OK) {
			ret = treqs_error(TREQS_EENV, "%s %s at %s: %s", method, path, h->endpoint,
					  errbuf[0] ? errbuf : curl_easy_strerror(rc));
			retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
				rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_COULDNT_RESOLVE_HOST ||
				rc == CURLE_PARTIAL_FILE;
		} else if (resp->status == 401 || resp->status == 403) {
			ret = treqs_error(TREQS_EENV, "%s %s at %s: HTTP %ld: the server refused %s", method, path,
					  h->endpoint, resp->status,
					  h->credential_name ? h->credential_name : "the request (no credential was sent)");
			break;
		} else if (resp->status >= 500 || resp->status == 429) {
			ret = treqs_error(TREQS_EENV, "%s %s at %s: HTTP %ld: %.200s", method, path, h->endpoint, resp->status,
					  treqs_buf_cstr(&resp->body));
			retry = 1;
		} else {
			ret = 0;
			break;
		}
		if (!retry || attempt == h->retries)
			break;
		sleep_ms(wait);
		wait *= 2;
	}
	if (ret == 0 && resp->body.len) {
		json_error_t jerr;
		resp->json = json_loadb(resp->body.ptr, resp->body.len, JSON_DECODE_ANY, &jerr);
	}
	curl_slist_free_all(hdrs);
	free(payload);
	free(url);
	return ret;
}

int treqs_http_secret(char **out, char **from, const struct treqs_ynode *conf, const char *key)
{
	char *k_env = xasprintf("%s_env", key), *k_file = xasprintf("%s_file", key);
	const struct treqs_ynode *e = treqs_ymap_get(conf, k_env, NULL), *f = treqs_ymap_get(conf, k_file, NULL);
	int ret = 0;

	*out = NULL;
	*from = NULL;
	if (treqs_ymap_get(conf, key, NULL)) {
		ret = treqs_error(TREQS_EINVALID, "'%s' must not be written in config.yaml (it is in the repository); "
						  "use '%s' (an environment variable) or '%s' (a file)", key, k_env, k_file);
	} else if (e && e->type == TREQS_YSCALAR) {
		const char *v = getenv(e->value);
		if (!v || !*v)
			ret = treqs_error(TREQS_EENV, "the environment variable %s (%s) is not set", e->value, k_env);
		else {
			*out = xstrdup(v);
			*from = xasprintf("the %s from $%s", key, e->value);
		}
	} else if (f && f->type == TREQS_YSCALAR) {
		struct treqs_buf b = TREQS_BUF_INIT;
		if ((ret = treqs_read_file(&b, f->value, 1 << 16)) == 0) {
			size_t n = strcspn(treqs_buf_cstr(&b), "\r\n");
			*out = xstrndup(treqs_buf_cstr(&b), n);
			*from = xasprintf("the %s in %s", key, f->value);
		}
		treqs_buf_free(&b);
	}
	free(k_env);
	free(k_file);
	return ret;
}

char *treqs_http_escape(const char *s)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			treqs_buf_putc(&b, (char)c);
		else
			treqs_buf_printf(&b, "%%%02X", c);
	}
	return treqs_buf_detach(&b);
}
