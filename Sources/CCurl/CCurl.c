#define _GNU_SOURCE
#include "CCurl.h"

#include <dlfcn.h>
#include <stdint.h>

/* OpenSSL, libcurl's TLS library on Debian, frees its global state from an atexit handler by
 * default. A thread still inside libcurl when the process exits (a transfer being cleaned up
 * as the cockpit quits) then crashes in libcrypto, after everything else went well. Asking
 * OpenSSL first, before libcurl initialises it, not to register that handler (the documented
 * OPENSSL_INIT_NO_ATEXIT) leaves its state to the kernel. Looked up at run time: a libcurl
 * built on another TLS library has no such symbol, and nothing needs doing then. */
CURLcode CCurl_global_init(void) {
    typedef int (*InitCrypto)(uint64_t options, const void *settings);
    InitCrypto initCrypto = (InitCrypto)dlsym(RTLD_DEFAULT, "OPENSSL_init_crypto");
    if (initCrypto != NULL) {
        initCrypto(UINT64_C(0x00080000) /* OPENSSL_INIT_NO_ATEXIT */, NULL);
    }
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *CCurl_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }
int CCurl_hasTLS(void) { return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_SSL) != 0; }
int CCurl_hasHTTP2(void) { return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2) != 0; }

CURLcode CCurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode CCurl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode CCurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode CCurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode CCurl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}
CURLcode CCurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list) {
    return curl_easy_setopt(handle, option, list);
}
CURLcode CCurl_easy_setopt_write_function(CURL *handle, CCurl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode CCurl_easy_setopt_header_function(CURL *handle, CCurl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
CURLcode CCurl_easy_setopt_read_function(CURL *handle, CCurl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
CURLcode CCurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode CCurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLMcode CCurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

CURLcode CCurl_easy_pause_receive(CURL *handle) { return curl_easy_pause(handle, CURLPAUSE_RECV); }

CURLcode CCurl_easy_resume(CURL *handle) { return curl_easy_pause(handle, CURLPAUSE_CONT); }
