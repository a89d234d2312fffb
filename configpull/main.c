/* configpull: node configuration over mTLS (placeholder).
 *
 * The fetch, validation and torrc rendering are their own issue.  Until then
 * this program is linked exactly as the real one will be (libcurl with
 * OpenSSL, jansson), so the image's library closure and size are real.  It
 * only answers `version`; everything else refuses. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "lethe_exit.h"

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		printf("configpull (placeholder) %s, jansson %s, %s\n", curl_version(),
		       jansson_version_str(), OpenSSL_version(OPENSSL_VERSION));
		return LETHE_EXIT_OK;
	}
	fputs("configpull: usage: configpull version (fetching is not implemented yet)\n", stderr);
	return LETHE_EXIT_USAGE;
}
