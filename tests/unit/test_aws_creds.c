/*
 * The credential chain: env precedence, profiles in a temp HOME, file
 * overrides, credential_process, role_arn + source_profile (chained, against
 * a tiny STS on 127.0.0.1), web identity, regions, endpoint env vars, and
 * secrets never in dm_ctx_last_error.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "testutil.h"
#include "providers/aws/aws_creds.h"
#include "providers/aws/aws_sts.h"

static char *home;

static void clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
		"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_S3",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void write_home_file(const char *rel, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static int setup(void **state)
{
	char dir[1024];

	(void)state;
	clear_env();
	home = tu_mkdtemp();
	setenv("HOME", home, 1);
	snprintf(dir, sizeof(dir), "%s/.aws", home);
	return tu_sh("mkdir -p '%s'", dir);
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(home);
	free(home);
	home = NULL;
	clear_env();
	return 0;
}

static void test_aws_creds__env_keys_win_over_aws_profile(void **state)
{
	dm_ctx *ctx = NULL;
	aws_session s;

	(void)state;
	write_home_file(".aws/credentials", "[dev]\naws_access_key_id = AKIDPROFILE\n"
					    "aws_secret_access_key = profilesecret\n");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	setenv("AWS_PROFILE", "dev", 1);
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_session_resolve(&s, ctx, NULL), 0);
	assert_string_equal(s.creds.access_key_id, "AKIDENV");
	assert_string_equal(s.creds.secret_access_key, "envsecret");
	assert_string_equal(s.creds.session_token, "envtoken");
	assert_string_equal(s.source, "env");
	aws_session_free(&s);
	assert_null(s.creds.secret_access_key);

	/* an explicit profile (--profile) beats env keys */
	{
		aws_session_opts o = { "dev", NULL, NULL };

		assert_int_equal(aws_session_resolve(&s, ctx, &o), 0);
		assert_string_equal(s.creds.access_key_id, "AKIDPROFILE");
		assert_null(s.creds.session_token);
		assert_string_equal(s.profile, "dev");
		assert_string_equal(s.source, "profile dev");
		aws_session_free(&s);
	}
	dm_ctx_free(ctx);
}

static void test_aws_creds__profiles_from_credentials_and_config(void **state)
{
	dm_ctx *ctx = NULL;
	aws_session s;
	char *region = NULL;

	(void)state;
	write_home_file(".aws/credentials",
			"# comment\n[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=s1\n"
			"\n[prod]\r\naws_access_key_id = AKIDPROD \r\naws_secret_access_key = s2\r\n"
			"aws_session_token = t2\r\n");
	write_home_file(".aws/config", "[default]\nregion = eu-west-1\n[profile prod]\nregion = "
				       "us-west-2\ns3 =\n  max_concurrent_requests = 4\n[prod]\n"
				       "region = ignored-1\n[sso-session x]\nregion=ap-south-1\n");
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_session_resolve(&s, ctx, NULL), 0);
	assert_string_equal(s.creds.access_key_id, "AKIDDEFAULT");
	assert_string_equal(s.region, "eu-west-1");
	assert_string_equal(s.profile, "default");
	aws_session_free(&s);

	setenv("AWS_PROFILE", "prod", 1);
	assert_int_equal(aws_session_resolve(&s, ctx, NULL), 0);
	assert_string_equal(s.creds.access_key_id, "AKIDPROD");
	assert_string_equal(s.creds.session_token, "t2");
	assert_string_equal(s.region, "us-west-2");
	aws_session_free(&s);

	/* region precedence: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile */
	setenv("AWS_DEFAULT_REGION", "ca-central-1", 1);
	assert_int_equal(aws_region_resolve(&region, ctx, NULL, "prod"), 0);
	assert_string_equal(region, "ca-central-1");
	free(region);
	setenv("AWS_REGION", "sa-east-1", 1);
	assert_int_equal(aws_region_resolve(&region, ctx, NULL, "prod"), 0);
	assert_string_equal(region, "sa-east-1");
	free(region);
	assert_int_equal(aws_region_resolve(&region, ctx, "ap-northeast-1", "prod"), 0);
	assert_string_equal(region, "ap-northeast-1");
	free(region);
	dm_ctx_free(ctx);
}

static void test_aws_creds__file_overrides_and_missing_profiles(void **state)
{
	dm_ctx *ctx = NULL;
	aws_session s;
	char path[1024];
	aws_session_opts o = { "nope", NULL, NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s/other-creds", home);
	{
		const char *t = "[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=cisecret\n";

		assert_int_equal(tu_write_file(path, t, strlen(t)), 0);
	}
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/other-config", home);
	{
		const char *t = "[profile ci]\nregion=eu-north-1\n";

		assert_int_equal(tu_write_file(path, t, strlen(t)), 0);
	}
	setenv("AWS_CONFIG_FILE", path, 1);
	setenv("AWS_PROFILE", "ci", 1);
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_session_resolve(&s, ctx, NULL), 0);
	assert_string_equal(s.creds.access_key_id, "AKIDCI");
	assert_string_equal(s.region, "eu-north-1");
	aws_session_free(&s);

	assert_int_equal(aws_session_resolve(&s, ctx, &o), DM_ENOTFOUND);
	assert_string_equal(dm_ctx_last_error(ctx),
			    "aws: profile 'nope' not found in the shared credentials or config file");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	assert_int_equal(aws_session_resolve(&s, ctx, NULL), DM_EAUTH);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "no credentials found"));
	dm_ctx_free(ctx);
}

static void test_aws_creds__credential_process(void **state)
{
	dm_ctx *ctx = NULL;
	aws_session s;
	char cfg[2048];

	(void)state;
	write_home_file("ok.sh", "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
				 "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\", "
				 "\"Expiration\": \"2030-01-02T03:04:05Z\"}'\n");
	write_home_file("fail.sh", "#!/bin/sh\necho '{\"SecretAccessKey\": \"leakme\"}'\nexit 3\n");
	write_home_file("bad.sh", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", "
				  "\"SecretAccessKey\": \"leakme\"}'\n");
	snprintf(cfg, sizeof(cfg),
		 "[profile p]\ncredential_process = sh %s/ok.sh --flag\n"
		 "[profile f]\ncredential_process = sh %s/fail.sh\n"
		 "[profile b]\ncredential_process = sh %s/bad.sh\n",
		 home, home, home);
	write_home_file(".aws/config", cfg);
	assert_int_equal(dm_ctx_new(&ctx), 0);
	{
		aws_session_opts o = { "p", NULL, NULL };

		assert_int_equal(aws_session_resolve(&s, ctx, &o), 0);
		assert_string_equal(s.creds.access_key_id, "AKIDPROC");
		assert_string_equal(s.creds.secret_access_key, "procsecret");
		assert_string_equal(s.creds.session_token, "proctoken");
		assert_int_equal(s.creds.expires_at, 1893553445LL);
		assert_string_equal(s.source, "profile p (credential_process)");
		aws_session_free(&s);
	}
	{
		aws_session_opts o = { "f", NULL, NULL };

		assert_int_equal(aws_session_resolve(&s, ctx, &o), DM_EAUTH);
		assert_string_equal(dm_ctx_last_error(ctx),
				    "aws: profile 'f': credential_process failed (exit status 3)");
	}
	{
		aws_session_opts o = { "b", NULL, NULL };

		assert_int_equal(aws_session_resolve(&s, ctx, &o), DM_EPARSE);
		assert_null(strstr(dm_ctx_last_error(ctx), "leakme"));
		assert_non_null(strstr(dm_ctx_last_error(ctx), "not a Version 1"));
	}
	dm_ctx_free(ctx);
}

static void test_aws_creds__endpoint_env_vars(void **state)
{
	static const struct {
		const char *service, *region, *want;
	} defaults[] = {
		{ "ec2", "eu-west-1", "https://ec2.eu-west-1.amazonaws.com" },
		{ "iam", "eu-west-1", "https://iam.amazonaws.com" },
		{ "sts", "us-east-2", "https://sts.us-east-2.amazonaws.com" },
		{ "eks", "cn-north-1", "https://eks.cn-north-1.amazonaws.com.cn" },
		{ "s3", NULL, "https://s3.us-east-1.amazonaws.com" },
	};
	char *u;

	(void)state;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		u = aws_endpoint_url(defaults[i].service, defaults[i].region);
		if (!u || strcmp(u, defaults[i].want) != 0)
			fail_msg("case %zu: %s", i, u ? u : "(null)");
		free(u);
	}
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
	setenv("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:6000", 1);
	u = aws_endpoint_url("ec2", "us-east-1");
	assert_string_equal(u, "http://127.0.0.1:6000");
	free(u);
	u = aws_endpoint_url("iam", "us-east-1");
	assert_string_equal(u, "http://127.0.0.1:5000");
	free(u);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	u = aws_endpoint_url("ec2", "us-east-1");
	assert_string_equal(u, "https://ec2.us-east-1.amazonaws.com");
	free(u);
}

/* ---- a tiny STS on 127.0.0.1 ------------------------------------------------ */

typedef struct sts_srv {
	int fd, port, n;
	pthread_t th;
	char auth[8][512];
	char body[8][1024];
} sts_srv;

static void *sts_main(void *arg)
{
	sts_srv *s = arg;

	for (;;) {
		char buf[16384], out[4096], *hdr_end, *a, key[64];
		size_t len = 0;
		long clen = 0;
		int c = accept(s->fd, NULL, NULL), n;

		if (c < 0)
			break;
		for (;;) {
			ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
			char *cl;

			if (r <= 0)
				break;
			len += (size_t)r;
			buf[len] = '\0';
			hdr_end = strstr(buf, "\r\n\r\n");
			if (!hdr_end)
				continue;
			cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl ? strtol(cl + 17, NULL, 10) : 0;
			if ((long)(len - (size_t)(hdr_end + 4 - buf)) >= clen)
				break;
		}
		hdr_end = strstr(buf, "\r\n\r\n");
		a = strcasestr(buf, "\r\nAuthorization:");
		if (s->n < 8) {
			snprintf(s->auth[s->n], sizeof(s->auth[0]), "%.*s",
				 a ? (int)strcspn(a + 2, "\r") : 0, a ? a + 2 : "");
			snprintf(s->body[s->n], sizeof(s->body[0]), "%s", hdr_end ? hdr_end + 4 : "");
		}
		snprintf(key, sizeof(key), "AKIDSTS%d", s->n);
		s->n++;
		{
			const char *action = strstr(hdr_end ? hdr_end : "", "Action=AssumeRoleWithWebIdentity")
						     ? "AssumeRoleWithWebIdentity"
						     : "AssumeRole";
			char body[2048];
			int bl = snprintf(body, sizeof(body),
					  "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
					  "<%sResult><Credentials><AccessKeyId>%s</AccessKeyId>"
					  "<SecretAccessKey>stssecret%d</SecretAccessKey>"
					  "<SessionToken>ststoken</SessionToken>"
					  "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
					  "</%sResult></%sResponse>",
					  action, action, key, s->n, action, action);

			n = snprintf(out, sizeof(out),
				     "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
				     bl, body);
		}
		send(c, out, (size_t)n, MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

static sts_srv *sts_start(void)
{
	sts_srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	getsockname(s->fd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, sts_main, s);
	return s;
}

static void sts_stop(sts_srv *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->th, NULL);
	free(s);
}

static void test_aws_creds__role_arn_chains_through_source_profiles(void **state)
{
	dm_ctx *ctx = NULL;
	aws_client *cl = NULL;
	aws_session s;
	sts_srv *srv = sts_start();
	char url[64];
	aws_session_opts o;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv->port);
	setenv("AWS_ENDPOINT_URL_STS", url, 1);
	write_home_file(".aws/credentials", "[base]\naws_access_key_id=AKIDBASE\n"
					    "aws_secret_access_key=basesecret\n");
	write_home_file(".aws/config",
			"[profile mid]\nrole_arn = arn:aws:iam::111111111111:role/mid\n"
			"source_profile = base\n"
			"[profile top]\nrole_arn = arn:aws:iam::222222222222:role/top\n"
			"source_profile = mid\nexternal_id = ext-1\nrole_session_name = dm-test\n"
			"region = eu-central-1\n"
			"[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
			"[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n");
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_client_new(&cl, ctx, NULL), 0);
	memset(&o, 0, sizeof(o));
	o.profile = "top";
	o.client = cl;
	assert_int_equal(aws_session_resolve(&s, ctx, &o), 0);
	assert_int_equal(srv->n, 2);
	/* first hop signed with the base keys, second with the first role's keys */
	assert_non_null(strstr(srv->auth[0], "Credential=AKIDBASE/"));
	assert_non_null(strstr(srv->auth[0], "/eu-central-1/sts/aws4_request"));
	assert_non_null(strstr(srv->body[0], "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fmid"));
	assert_non_null(strstr(srv->auth[1], "Credential=AKIDSTS0/"));
	assert_non_null(strstr(srv->body[1], "RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Ftop"));
	assert_non_null(strstr(srv->body[1], "ExternalId=ext-1"));
	assert_non_null(strstr(srv->body[1], "RoleSessionName=dm-test"));
	assert_string_equal(s.creds.access_key_id, "AKIDSTS1");
	assert_string_equal(s.creds.secret_access_key, "stssecret2");
	assert_string_equal(s.creds.session_token, "ststoken");
	assert_int_equal(s.creds.expires_at, 1893456000LL);
	assert_string_equal(s.region, "eu-central-1");
	aws_session_free(&s);

	o.profile = "loop1";
	assert_int_equal(aws_session_resolve(&s, ctx, &o), DM_EINVAL);
	assert_non_null(strstr(dm_ctx_last_error(ctx), "source_profile loop"));

	/* no client: a clear error, no secret */
	o.profile = "top";
	o.client = NULL;
	assert_int_equal(aws_session_resolve(&s, ctx, &o), DM_EAUTH);
	assert_null(strstr(dm_ctx_last_error(ctx), "basesecret"));

	aws_client_free(cl);
	dm_ctx_free(ctx);
	sts_stop(srv);
}

static void test_aws_creds__web_identity_from_env(void **state)
{
	dm_ctx *ctx = NULL;
	aws_client *cl = NULL;
	aws_session s;
	sts_srv *srv = sts_start();
	char url[64], tok[1024];
	aws_session_opts o;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv->port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	write_home_file("token", "eyJhbGciOiJSUzI1NiJ9.oidc.sig\n");
	snprintf(tok, sizeof(tok), "%s/token", home);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::333333333333:role/ci", 1);
	setenv("AWS_ROLE_SESSION_NAME", "gha-42", 1);
	setenv("AWS_REGION", "us-west-1", 1);
	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_int_equal(aws_client_new(&cl, ctx, NULL), 0);
	memset(&o, 0, sizeof(o));
	o.client = cl;
	assert_int_equal(aws_session_resolve(&s, ctx, &o), 0);
	assert_int_equal(srv->n, 1);
	assert_string_equal(srv->auth[0], ""); /* unsigned: the token authenticates */
	assert_non_null(strstr(srv->body[0], "Action=AssumeRoleWithWebIdentity"));
	assert_non_null(strstr(srv->body[0], "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.oidc.sig&")
			|| strstr(srv->body[0], "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.oidc.sig"));
	assert_non_null(strstr(srv->body[0], "RoleSessionName=gha-42"));
	assert_string_equal(s.creds.access_key_id, "AKIDSTS0");
	assert_string_equal(s.source, "web identity");
	aws_session_free(&s);

	/* env keys still come first */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
	assert_int_equal(aws_session_resolve(&s, ctx, &o), 0);
	assert_string_equal(s.creds.access_key_id, "AKIDENV");
	assert_int_equal(srv->n, 1);
	aws_session_free(&s);

	aws_client_free(cl);
	dm_ctx_free(ctx);
	sts_stop(srv);
}

static void test_aws_creds__parses_iso8601(void **state)
{
	(void)state;
	assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00Z"), 1440938160LL);
	assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00.123Z"), 1440938160LL);
	assert_int_equal(aws_parse_iso8601("2015-08-30T14:36:00+02:00"), 1440938160LL);
	assert_int_equal(aws_parse_iso8601("2015-08-30 12:36:00"), -1);
	assert_int_equal(aws_parse_iso8601("garbage"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aws_creds__env_keys_win_over_aws_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__profiles_from_credentials_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__file_overrides_and_missing_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__credential_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__endpoint_env_vars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__role_arn_chains_through_source_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aws_creds__web_identity_from_env, setup, teardown),
		cmocka_unit_test(test_aws_creds__parses_iso8601),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
