/*
 * libFuzzer target: AWS Query/XML responses (EC2, IAM, STS errors):
 * aws_xml_parse, then every mapper of providers/aws over the same document
 * (EC2 lists, DescribeVpcAttribute, DescribeRegions, pagination tokens,
 * IAM GetAccountAuthorizationDetails / ListRoles / ListInstanceProfiles,
 * the posture collectors incl. the base64 credential report), the VPC
 * join, and aws_error_parse over the raw body.
 *
 * Every resource a mapper emits has a type, an id and an attribute object.
 *
 * Seeds: fixtures/aws/responses/ (.xml), fixtures/fuzz/aws_xml/.
 */
#include "tests/fuzz/fuzz_util.h"
#include "internal.h"
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_services.h"
#include "providers/aws/aws_posture_collect.h"

#ifndef DM_FUZZ_ENTRY
#define DM_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size);

static void fuzz_aws_xml_check(const aws_reslist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		FUZZ_CHECK(l->v[i].type && l->v[i].id && json_is_object(l->v[i].attrs));
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	static const aws_ec2_map_fn ec2[] = {
		aws_ec2_map_vpcs, aws_ec2_map_subnets, aws_ec2_map_security_groups,
		aws_ec2_map_route_tables, aws_ec2_map_internet_gateways, aws_ec2_map_nat_gateways,
		aws_ec2_map_addresses, aws_ec2_map_peering, aws_ec2_map_network_acls,
		aws_ec2_map_flow_logs, aws_ec2_map_vpc_endpoints, aws_posture_map_enis,
		aws_posture_map_instances, aws_posture_map_launch_templates,
		aws_posture_map_prefix_lists, aws_posture_map_transit_gateways,
		aws_posture_map_credential_report, aws_iam_map_details
	};
	enum { NMAP = sizeof(ec2) / sizeof(ec2[0]) };
	const aws_map_ctx mc = {"123456789012", "us-east-1", NULL};
	aws_reslist lists[NMAP], roles = AWS_RESLIST_INIT, profiles = AWS_RESLIST_INIT;
	aws_reslist pls = AWS_RESLIST_INIT;
	dm_ctx *ctx = fuzz_ctx_begin();
	xmlDocPtr doc = NULL;
	char *code = NULL, *message = NULL, *token = NULL, **regions = NULL;
	size_t i, nregions = 0;
	int rc, flag = 0;

	aws_error_parse((const char *)data, size, &code, &message);
	free(code);
	free(message);
	rc = aws_xml_parse(ctx, (const char *)data, size, "fuzz:Describe", &doc);
	fuzz_check_error(rc);
	FUZZ_CHECK((rc == 0) == (doc != NULL));
	if (rc != 0)
		return 0;
	for (i = 0; i < NMAP; i++) {
		aws_reslist init = AWS_RESLIST_INIT;
		lists[i] = init;
		ec2[i](&lists[i], doc, &mc);
		fuzz_aws_xml_check(&lists[i]);
	}
	/* lists: 0 vpcs, 3 route tables, 2 security groups, 8 network ACLs, 4 internet gateways */
	aws_ec2_join_vpcs(&lists[0], &lists[3], &lists[2], &lists[8], &lists[4]);
	fuzz_aws_xml_check(&lists[0]);
	aws_iam_map_list_roles(&roles, doc);
	aws_iam_join_roles(&lists[NMAP - 1], &roles);
	aws_iam_map_instance_profiles(&profiles, doc);
	fuzz_aws_xml_check(&profiles);
	if (aws_reslist_add(&pls, "aws_ec2_managed_prefix_list", "pl-1",
			    json_pack("{s:[]}", "entry"), 0) == 0)
		aws_posture_map_prefix_list_entries(&pls.v[0], doc);
	aws_ec2_vpc_attribute(doc, "enableDnsSupport", &flag);
	token = aws_ec2_next_token(doc);
	free(token);
	token = NULL;
	if (aws_iam_next_marker(doc, &token) == 0)
		free(token);
	if (aws_ec2_region_names(doc, &regions, &nregions) == 0) {
		for (i = 0; i < nregions; i++) {
			FUZZ_CHECK(regions[i] != NULL);
			free(regions[i]);
		}
		free(regions);
	}
	for (i = 0; i < NMAP; i++)
		aws_reslist_free(&lists[i]);
	aws_reslist_free(&roles);
	aws_reslist_free(&profiles);
	aws_reslist_free(&pls);
	xmlFreeDoc(doc);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
