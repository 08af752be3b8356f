/*
 * Unit tests: the posture collector (providers/aws/aws_posture_collect.c)
 * over a fake transport answering with the real API response shapes
 * (EC2 Query XML, IAM XML with a base64 CSV, EKS REST-JSON), then the posture
 * engine over what it emitted.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "driftmap/posture.h"
#include "providers/aws/aws_posture_collect.h"

typedef struct fake_req {
	char *api, *body, *query;
	aws_done_fn done;
	void *ud;
} fake_req;

typedef struct fake {
	fake_req q[64];
	size_t head, tail;
	unsigned calls[16];
	char names[16][64];
	size_t nnames;
	int gen_polls;
	int deny_instances;
} fake;

static int fake_submit(void *t, const aws_request *req, const aws_creds *creds, aws_done_fn done, void *ud)
{
	fake *f = t;
	fake_req *r = &f->q[f->tail++ % 64];
	size_t i;

	(void)creds;
	r->api = strdup(req->api);
	r->body = strdup(req->body ? req->body : "");
	r->query = strdup(req->query ? req->query : "");
	r->done = done;
	r->ud = ud;
	for (i = 0; i < f->nnames && strcmp(f->names[i], r->api) != 0; i++)
		;
	if (i == f->nnames && f->nnames < 16)
		snprintf(f->names[f->nnames++], sizeof(f->names[0]), "%s", r->api);
	if (i < 16)
		f->calls[i]++;
	return 0;
}

static unsigned fake_calls(void *t, const char *account, const char *region, const char *api)
{
	fake *f = t;
	size_t i;

	(void)account;
	(void)region;
	for (i = 0; i < f->nnames; i++) {
		if (strcmp(f->names[i], api) == 0)
			return f->calls[i];
	}
	return 0;
}

#define EC2NS "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""

static const char *eni_page1 =
	"<DescribeNetworkInterfacesResponse " EC2NS "><requestId>r1</requestId><networkInterfaceSet><item>"
	"<networkInterfaceId>eni-1</networkInterfaceId><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>"
	"<interfaceType>interface</interfaceType><requesterManaged>false</requesterManaged>"
	"<groupSet><item><groupId>sg-1</groupId><groupName>web</groupName></item></groupSet>"
	"<association><publicIp>3.3.3.3</publicIp><ipOwnerId>amazon</ipOwnerId></association>"
	"<attachment><attachmentId>eni-attach-1</attachmentId><instanceId>i-1</instanceId>"
	"<instanceOwnerId>111111111111</instanceOwnerId><deviceIndex>0</deviceIndex></attachment>"
	"<ipv6AddressesSet><item><ipv6Address>2600:1f18::10</ipv6Address></item></ipv6AddressesSet>"
	"<privateIpAddress>10.0.1.5</privateIpAddress><tagSet/></item></networkInterfaceSet>"
	"<nextToken>tok2</nextToken></DescribeNetworkInterfacesResponse>";
static const char *eni_page2 =
	"<DescribeNetworkInterfacesResponse " EC2NS "><networkInterfaceSet><item>"
	"<networkInterfaceId>eni-lb</networkInterfaceId><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId>"
	"<interfaceType>interface</interfaceType><requesterManaged>true</requesterManaged>"
	"<groupSet><item><groupId>sg-2</groupId></item></groupSet>"
	"<attachment><instanceOwnerId>amazon-elb</instanceOwnerId><deviceIndex>1</deviceIndex></attachment>"
	"</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>";
static const char *instances =
	"<DescribeInstancesResponse " EC2NS "><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>"
	"<instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState>"
	"<subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><ipAddress>3.3.3.3</ipAddress>"
	"<iamInstanceProfile><arn>arn:aws:iam::111111111111:instance-profile/app/web-prof</arn><id>AIPA</id></iamInstanceProfile>"
	"<groupSet><item><groupId>sg-1</groupId></item></groupSet>"
	"<metadataOptions><httpTokens>optional</httpTokens><httpEndpoint>enabled</httpEndpoint></metadataOptions>"
	"</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";
static const char *templates =
	"<DescribeLaunchTemplateVersionsResponse " EC2NS "><launchTemplateVersionSet><item>"
	"<launchTemplateId>lt-1</launchTemplateId><launchTemplateName>web</launchTemplateName>"
	"<versionNumber>3</versionNumber><defaultVersion>true</defaultVersion><launchTemplateData>"
	"<networkInterfaceSet><item><associatePublicIpAddress>true</associatePublicIpAddress>"
	"<deviceIndex>0</deviceIndex></item></networkInterfaceSet></launchTemplateData></item>"
	"</launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>";
static const char *prefix_lists =
	"<DescribeManagedPrefixListsResponse " EC2NS "><prefixListSet>"
	"<item><prefixListId>pl-cust</prefixListId><addressFamily>IPv4</addressFamily><prefixListName>partners</prefixListName>"
	"<maxEntries>10</maxEntries><ownerId>111111111111</ownerId></item>"
	"<item><prefixListId>pl-s3</prefixListId><addressFamily>IPv4</addressFamily>"
	"<prefixListName>com.amazonaws.us-east-1.s3</prefixListName><ownerId>AWS</ownerId></item>"
	"</prefixListSet></DescribeManagedPrefixListsResponse>";
/* DescribeTransitGateways (real response shape); the deleted one is not reported */
static const char *transit_gateways =
	"<DescribeTransitGatewaysResponse " EC2NS "><transitGatewaySet>"
	"<item><transitGatewayId>tgw-auto</transitGatewayId><state>available</state><ownerId>111111111111</ownerId>"
	"<transitGatewayArn>arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-auto</transitGatewayArn>"
	"<options><amazonSideAsn>64512</amazonSideAsn><autoAcceptSharedAttachments>enable</autoAcceptSharedAttachments>"
	"<defaultRouteTableAssociation>enable</defaultRouteTableAssociation>"
	"<defaultRouteTablePropagation>enable</defaultRouteTablePropagation></options>"
	"<tagSet><item><key>Name</key><value>hub</value></item></tagSet></item>"
	"<item><transitGatewayId>tgw-gone</transitGatewayId><state>deleted</state><ownerId>111111111111</ownerId>"
	"<options><autoAcceptSharedAttachments>enable</autoAcceptSharedAttachments></options></item>"
	"</transitGatewaySet></DescribeTransitGatewaysResponse>";
static const char *pl_entries =
	"<GetManagedPrefixListEntriesResponse " EC2NS "><entrySet>"
	"<item><cidr>192.0.2.0/24</cidr><description>partner a</description></item>"
	"<item><cidr>0.0.0.0/0</cidr><description>oops</description></item>"
	"</entrySet></GetManagedPrefixListEntriesResponse>";

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n / 3 * 4 + 8);
	EVP_EncodeBlock((unsigned char *)o, (const unsigned char *)s, (int)n);
	return o;
}

static char *cred_report_xml(void)
{
	const char *csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
			  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
			  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
			  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
			  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
			  "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
			  "<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,"
			  "2026-11-01T00:00:00+00:00,not_supported,not_supported,false,true,2021-01-01T00:00:00+00:00,"
			  "2026-11-20T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
	char *enc = b64(csv), *xml;
	size_t n = strlen(enc) + 512;

	xml = malloc(n);
	snprintf(xml, n,
		 "<GetCredentialReportResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		 "<GetCredentialReportResult><Content>%s</Content><ReportFormat>text/csv</ReportFormat>"
		 "<GeneratedTime>2026-11-23T09:00:00Z</GeneratedTime></GetCredentialReportResult>"
		 "</GetCredentialReportResponse>", enc);
	free(enc);
	return xml;
}

static const char *cluster_versions =
	"{\"clusterVersions\":[{\"clusterVersion\":\"1.29\",\"versionStatus\":\"EXTENDED_SUPPORT\","
	"\"status\":\"EXTENDED_SUPPORT\",\"releaseDate\":1706054400,\"endOfStandardSupportDate\":1742688000,"
	"\"endOfExtendedSupportDate\":1774224000,\"defaultVersion\":false}],\"nextToken\":null}";

static void answer(fake *f, fake_req *r)
{
	aws_response resp;
	char *owned = NULL;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.attempts = 1;
	if (strcmp(r->api, "ec2:DescribeNetworkInterfaces") == 0)
		resp.body = (char *)(strstr(r->body, "NextToken=tok2") ? eni_page2 : eni_page1);
	else if (strcmp(r->api, "ec2:DescribeInstances") == 0) {
		if (f->deny_instances) {
			resp.status = 403;
			resp.body = (char *)"<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
					    "<Message>denied</Message></Error></Errors></Response>";
			resp.error_code = (char *)"UnauthorizedOperation";
		} else {
			resp.body = (char *)instances;
		}
	} else if (strcmp(r->api, "ec2:DescribeLaunchTemplateVersions") == 0) {
		assert_non_null(strstr(r->body, "LaunchTemplateVersion.1=%24Default"));
		resp.body = (char *)templates;
	} else if (strcmp(r->api, "ec2:DescribeManagedPrefixLists") == 0)
		resp.body = (char *)prefix_lists;
	else if (strcmp(r->api, "ec2:DescribeTransitGateways") == 0) {
		assert_non_null(strstr(r->body, "Action=DescribeTransitGateways&"));
		resp.body = (char *)transit_gateways;
	}
	else if (strcmp(r->api, "ec2:GetManagedPrefixListEntries") == 0) {
		assert_non_null(strstr(r->body, "PrefixListId=pl-cust")); /* AWS-managed lists are skipped */
		resp.body = (char *)pl_entries;
	} else if (strcmp(r->api, "iam:GenerateCredentialReport") == 0) {
		resp.body = (char *)(f->gen_polls++ == 0
					     ? "<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>STARTED</State>"
					       "</GenerateCredentialReportResult></GenerateCredentialReportResponse>"
					     : "<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>COMPLETE</State>"
					       "</GenerateCredentialReportResult></GenerateCredentialReportResponse>");
	} else if (strcmp(r->api, "iam:GetCredentialReport") == 0)
		resp.body = owned = cred_report_xml();
	else if (strcmp(r->api, "eks:DescribeClusterVersions") == 0) {
		assert_non_null(strstr(r->query, "maxResults=100"));
		resp.body = (char *)cluster_versions;
	} else
		fail_msg("unexpected call %s", r->api);
	resp.body_len = strlen(resp.body);
	r->done(NULL, 0, &resp, r->ud);
	free(owned);
}

static int emit_res(void *host, const dm_resource *r)
{
	return dm_inventory_add(host, r, NULL);
}

static int emit_scope(void *host, const dm_scope *s)
{
	return dm_inventory_add_scope(host, s);
}

static dm_inventory *collect(dm_ctx *ctx, fake *f)
{
	aws_transport tr;
	dm_emit em;
	aws_scan *scan = NULL;
	dm_inventory *inv = NULL;
	aws_creds creds;

	memset(&creds, 0, sizeof(creds));
	assert_int_equal(dm_inventory_new(&inv), 0);
	memset(&em, 0, sizeof(em));
	em.resource = emit_res;
	em.scope = emit_scope;
	em.host = inv;
	tr.submit = fake_submit;
	tr.calls = fake_calls;
	tr.t = f;
	assert_int_equal(aws_scan_new(&scan, ctx, &tr, &em, NULL), 0);
	assert_int_equal(aws_scan_posture(scan, "111111111111", "us-east-1", &creds), 0);
	assert_int_equal(aws_scan_posture(scan, "111111111111", "eu-west-1", &creds), 0);
	while (f->head != f->tail) {
		fake_req *r = &f->q[f->head++ % 64];
		answer(f, r);
		free(r->api);
		free(r->body);
		free(r->query);
	}
	assert_int_equal(aws_scan_flush(scan), 0);
	aws_scan_free(scan);
	return inv;
}

static void test_posture_collect__maps_every_api_into_terraform_shapes(void **state)
{
	dm_ctx *ctx = NULL;
	fake f;
	dm_inventory *inv;
	const dm_resource *r;
	const json_t *a;
	size_t i, creds_reports = 0;
	(void)state;

	memset(&f, 0, sizeof(f));
	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = collect(ctx, &f);
	r = dm_inventory_find(inv, "aws", "aws_network_interface", "eni-1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r->attrs, "association"), 0), "public_ip")), "3.3.3.3");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r->attrs, "security_groups"), 0)), "sg-1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r->attrs, "ipv6_addresses"), 0)), "2600:1f18::10");
	r = dm_inventory_find(inv, "aws", "aws_network_interface", "eni-lb"); /* second page */
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r->attrs, "attachment"), 0), "instance_owner_id")), "amazon-elb");
	r = dm_inventory_find(inv, "aws", "aws_instance", "i-1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r->attrs, "iam_instance_profile")), "web-prof");
	assert_string_equal(json_string_value(json_object_get(r->attrs, "instance_state")), "running");
	r = dm_inventory_find(inv, "aws", "aws_launch_template", "lt-1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r->attrs, "network_interfaces"), 0),
							      "associate_public_ip_address")), "true");
	r = dm_inventory_find(inv, "aws", "aws_ec2_managed_prefix_list", "pl-cust");
	assert_non_null(r);
	a = json_object_get(r->attrs, "entry");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "cidr")), "0.0.0.0/0");
	assert_non_null(dm_inventory_find(inv, "aws", "aws_ec2_managed_prefix_list", "pl-s3"));
	r = dm_inventory_find(inv, "aws", "aws_ec2_transit_gateway", "tgw-auto");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r->attrs, "auto_accept_shared_attachments")), "enable");
	assert_null(dm_inventory_find(inv, "aws", "aws_ec2_transit_gateway", "tgw-gone"));
	r = dm_inventory_find(inv, "aws", "aws_eks_cluster_versions", "us-east-1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r->attrs, "cluster_versions"), 0), "version_status")),
			    "EXTENDED_SUPPORT");
	for (i = 0; i < dm_inventory_count(inv); i++)
		creds_reports += strcmp(dm_inventory_at(inv, i)->type, "aws_iam_credential_report") == 0;
	assert_int_equal(creds_reports, 1); /* once per account, not per region */
	r = dm_inventory_find(inv, "aws", "aws_iam_credential_report", "111111111111");
	assert_non_null(r);
	assert_string_equal(r->region, "global");
	a = json_array_get(json_object_get(r->attrs, "users"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "user")), "<root_account>");
	assert_string_equal(json_string_value(json_object_get(a, "access_key_1_active")), "true");
	assert_int_equal(f.gen_polls, 2); /* STARTED, then COMPLETE */
	assert_int_equal(dm_inventory_type_complete(inv, "aws", "111111111111", "us-east-1", "aws_network_interface"), 1);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_posture_collect__feeds_the_rules_and_reports_denied_scopes(void **state)
{
	dm_ctx *ctx = NULL;
	fake f;
	dm_inventory *inv;
	dm_posture *p = NULL;
	dm_posture_config *cfg = NULL;
	size_t i;
	int root_key = 0, lt = 0, eks_ne = 0, inst_ne = 0;
	(void)state;

	memset(&f, 0, sizeof(f));
	f.deny_instances = 1;
	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = collect(ctx, &f);
	assert_int_equal(dm_inventory_type_complete(inv, "aws", "111111111111", "us-east-1", "aws_instance"), 0);
	assert_int_equal(dm_posture_config_new(&cfg), 0);
	dm_posture_config_set_now(cfg, 1795392000LL);
	assert_int_equal(dm_posture_run(&p, ctx, inv, cfg), 0);
	for (i = 0; i < dm_posture_count(p); i++) {
		const dm_posture_finding *fd = dm_posture_at(p, i);
		root_key |= strcmp(fd->rule, "IAM-15") == 0 && strstr(fd->subkey, "root:access-key") != NULL;
		lt |= strcmp(fd->rule, "SEG-10") == 0 && strcmp(fd->resource_id, "lt-1") == 0;
	}
	for (i = 0; i < dm_posture_not_evaluated_count(p); i++) {
		const dm_posture_not_evaluated *n = dm_posture_not_evaluated_at(p, i);
		inst_ne |= strstr(n->reason, "aws_instance") && strstr(n->reason, "incomplete");
		/* this run collected no clusters (aws_scan_eks not called): EKS rules must say so */
		eks_ne |= strcmp(n->rule, "EKS-04") == 0 && strstr(n->reason, "aws_eks_cluster not collected");
	}
	assert_true(root_key);
	assert_true(lt);
	assert_true(eks_ne);
	assert_true(inst_ne);
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture_collect__maps_every_api_into_terraform_shapes),
		cmocka_unit_test(test_posture_collect__feeds_the_rules_and_reports_denied_scopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
