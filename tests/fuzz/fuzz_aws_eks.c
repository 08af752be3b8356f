/*
 * libFuzzer target: EKS REST-JSON responses (providers/aws/aws_eks.c,
 * aws_posture_collect.c): DescribeCluster, DescribeNodegroup and the
 * posture cluster-version mapper over one parsed body, and aws_error_parse
 * over the raw bytes (the JSON error shape).
 *
 * Every resource a mapper emits has a type, an id and an attribute object.
 *
 * Seeds: fixtures/aws/responses/ (eks_*.json), fixtures/fuzz/aws_eks/.
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

static void fuzz_aws_eks_check(const aws_reslist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		FUZZ_CHECK(l->v[i].type && l->v[i].id && json_is_object(l->v[i].attrs));
}

int DM_FUZZ_ENTRY(const uint8_t *data, size_t size)
{
	const aws_map_ctx mc = {"123456789012", "eu-west-1", NULL};
	aws_reslist a = AWS_RESLIST_INIT, b = AWS_RESLIST_INIT, c = AWS_RESLIST_INIT;
	char *code = NULL, *message = NULL;
	json_error_t jerr;
	json_t *resp;

	aws_error_parse((const char *)data, size, &code, &message);
	free(code);
	free(message);
	/* the flags the EKS completion uses (aws_eks.c) */
	resp = json_loadb((const char *)data, size, 0, &jerr);
	if (!resp)
		return 0;
	aws_eks_map_cluster(&a, resp, &mc);
	fuzz_aws_eks_check(&a);
	aws_eks_map_nodegroup(&b, resp, &mc);
	fuzz_aws_eks_check(&b);
	aws_posture_map_cluster_versions(&c, resp, &mc);
	fuzz_aws_eks_check(&c);
	aws_reslist_free(&a);
	aws_reslist_free(&b);
	aws_reslist_free(&c);
	json_decref(resp);
	return 0;
}

#ifdef DM_FUZZ_MAIN
#include "tests/fuzz/fuzz_main.c"
#endif
