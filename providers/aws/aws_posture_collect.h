/*
 * driftmap AWS provider — the extra collection the posture rules need, in
 * Terraform-like shapes (docs/posture.md "Data the posture rules read"):
 *
 *   ec2:DescribeNetworkInterfaces        -> aws_network_interface
 *   ec2:DescribeInstances                -> aws_instance
 *   ec2:DescribeLaunchTemplateVersions   -> aws_launch_template ($Default versions)
 *   ec2:DescribeManagedPrefixLists
 *     + ec2:GetManagedPrefixListEntries  -> aws_ec2_managed_prefix_list (entry blocks;
 *                                          customer-managed lists only get entries)
 *   iam:GenerateCredentialReport
 *     + iam:GetCredentialReport          -> aws_iam_credential_report (id = account, region "global")
 *   eks:DescribeClusterVersions          -> aws_eks_cluster_versions (id = region)
 *   iam:ListInstanceProfiles             -> aws_iam_instance_profile, into the account's IAM
 *                                          scope (aws_iam.c): the profiles without a role
 *
 * One list call per type and region (paginated), one per customer prefix
 * list, one credential report per account.
 */
#ifndef DM_AWS_POSTURE_COLLECT_H
#define DM_AWS_POSTURE_COLLECT_H

#include "providers/aws/aws_services.h"

/**
 * Queue every posture collection call for (account, region) on the scan.
 * The account-wide credential report is queued once per account (the first
 * call for that account queues it; later regions skip it). Call it next to
 * aws_scan_ec2()/aws_scan_eks(); aws_scan_flush() emits the resources and one
 * scope per API. Returns 0 or DM_ENOMEM; a failed submit only fails its scope.
 */
int aws_scan_posture(aws_scan *s, const char *account, const char *region, const aws_creds *creds);

/* Pure mappers (one parsed response -> resources), unit-tested with recorded shapes. */
int aws_posture_map_enis(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_posture_map_instances(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_posture_map_launch_templates(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
int aws_posture_map_prefix_lists(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** GetManagedPrefixListEntries page: append entry blocks to the list's `entry`. */
int aws_posture_map_prefix_list_entries(aws_res *pl, xmlDocPtr doc);
/* DescribeTransitGateways -> aws_ec2_transit_gateway (SEG-14b: options.autoAcceptSharedAttachments) */
int aws_posture_map_transit_gateways(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** GetCredentialReport: base64 CSV -> one aws_iam_credential_report. */
int aws_posture_map_credential_report(aws_reslist *out, xmlDocPtr doc, const aws_map_ctx *mc);
/** DescribeClusterVersions page: appended to the region's aws_eks_cluster_versions. */
int aws_posture_map_cluster_versions(aws_reslist *out, const json_t *resp, const aws_map_ctx *mc);

#endif
