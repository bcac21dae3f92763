// Prefixed shims for libcurl's variadic entry points (curl_easy_setopt, curl_easy_getinfo,
// curl_multi_setopt), which Swift cannot call, typed by argument kind.
#ifndef FLIGHTDECK_CCURL_H
#define FLIGHTDECK_CCURL_H

#include <curl/curl.h>

/// The libcurl version string, e.g. "7.88.1".
const char *CCurl_version(void);
/// Whether this libcurl was built with TLS and HTTP/2 support.
int CCurl_hasTLS(void);
int CCurl_hasHTTP2(void);

CURLcode CCurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CCurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// CURLOPT_SSLCERT_BLOB / SSLKEY_BLOB / CAINFO_BLOB: key material stays in memory.
CURLcode CCurl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode CCurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list);

typedef size_t (*CCurl_data_callback)(char *data, size_t size, size_t count, void *context);
CURLcode CCurl_easy_setopt_write_function(CURL *handle, CCurl_data_callback callback);
CURLcode CCurl_easy_setopt_header_function(CURL *handle, CCurl_data_callback callback);
CURLcode CCurl_easy_setopt_read_function(CURL *handle, CCurl_data_callback callback);

CURLcode CCurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode CCurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

/// curl_easy_pause with CURLPAUSE_RECV (macros Swift does not import): stop reading from the
/// socket until resumed; the server's window fills and it stops sending.
CURLcode CCurl_easy_pause_receive(CURL *handle);
/// curl_easy_pause with CURLPAUSE_CONT: read again (may deliver held data at once).
CURLcode CCurl_easy_resume(CURL *handle);

/// curl_global_init, with OpenSSL (when libcurl uses it) told not to free its state at exit.
CURLcode CCurl_global_init(void);

CURLMcode CCurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

#endif
