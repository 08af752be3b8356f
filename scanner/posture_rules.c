/*
 * driftmap posture — the rule table (../shared/POSTURE.md §A). The rule list
 * of docs/posture.md is generated from this table (dm_posture_rules_markdown,
 * checked by tests/unit/test_posture_docs.c).
 */
#include <string.h>
#include "posture_internal.h"

#define C(f, i) { f, i }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const dm_posture_compliance c_seg01[] = {
	C("cis-aws-3.0", "5.2"), C("cis-aws-3.0", "5.3"), C("cis-aws-4.0", "5.3"), C("cis-aws-4.0", "5.4"),
	C("cis-aws-5.0", "5.3"), C("cis-aws-5.0", "5.4"), C("cis-aws-6.0", "6.3"), C("cis-aws-6.0", "6.4"),
	C("aws-fsbp", "EC2.18"), C("aws-fsbp", "EC2.19"), C("aws-fsbp", "EC2.53"), C("aws-fsbp", "EC2.54")};
static const dm_posture_compliance c_seg02[] = {
	C("cis-aws-3.0", "5.2"), C("cis-aws-3.0", "5.3"), C("cis-aws-4.0", "5.3"), C("cis-aws-4.0", "5.4"),
	C("cis-aws-5.0", "5.3"), C("cis-aws-5.0", "5.4"), C("cis-aws-6.0", "6.3"), C("cis-aws-6.0", "6.4"),
	C("aws-fsbp", "EC2.13"), C("aws-fsbp", "EC2.14"), C("aws-fsbp", "EC2.53"), C("aws-fsbp", "EC2.54")};
static const dm_posture_compliance c_seg03[] = {
	C("cis-aws-4.0", "5.1.2"), C("cis-aws-5.0", "5.1.2"), C("cis-aws-6.0", "6.1.2"), C("aws-fsbp", "EC2.19")};
static const dm_posture_compliance c_seg04[] = {C("aws-fsbp", "EC2.19")};
static const dm_posture_compliance c_seg05[] = {C("aws-fsbp", "EC2.18")};
static const dm_posture_compliance c_seg07[] = {
	C("cis-aws-3.0", "5.4"), C("cis-aws-4.0", "5.5"), C("cis-aws-5.0", "5.5"), C("cis-aws-6.0", "6.5"),
	C("aws-fsbp", "EC2.2")};
static const dm_posture_compliance c_seg08[] = {
	C("cis-aws-3.0", "5.1"), C("cis-aws-4.0", "5.2"), C("cis-aws-5.0", "5.2"), C("cis-aws-6.0", "6.2"),
	C("aws-fsbp", "EC2.21")};
static const dm_posture_compliance c_seg10[] = {C("aws-fsbp", "EC2.15"), C("aws-fsbp", "EC2.25")};
static const dm_posture_compliance c_seg11[] = {C("aws-fsbp", "EC2.9")};
static const dm_posture_compliance c_seg12[] = {
	C("cis-aws-3.0", "3.7"), C("cis-aws-4.0", "3.7"), C("cis-aws-5.0", "3.7"), C("cis-aws-6.0", "4.7"),
	C("aws-fsbp", "EC2.6")};
static const dm_posture_compliance c_seg13[] = {
	C("cis-aws-3.0", "5.5"), C("cis-aws-4.0", "5.6"), C("cis-aws-5.0", "5.6"), C("cis-aws-6.0", "6.6")};
static const dm_posture_compliance c_seg14[] = {C("aws-fsbp", "EC2.23")};
static const dm_posture_compliance c_seg16[] = {C("aws-fsbp", "EC2.16")};
static const dm_posture_compliance c_iam01[] = {
	C("cis-aws-3.0", "1.16"), C("cis-aws-4.0", "1.16"), C("cis-aws-5.0", "1.15"), C("cis-aws-6.0", "2.15"),
	C("aws-fsbp", "IAM.1")};
static const dm_posture_compliance c_iam02[] = {
	C("cis-aws-3.0", "1.16"), C("cis-aws-4.0", "1.16"), C("cis-aws-5.0", "1.15"), C("cis-aws-6.0", "2.15")};
static const dm_posture_compliance c_iam03[] = {C("aws-fsbp", "IAM.21")};
static const dm_posture_compliance c_iam12[] = {
	C("cis-aws-3.0", "1.15"), C("cis-aws-4.0", "1.15"), C("cis-aws-5.0", "1.14"), C("cis-aws-6.0", "2.14"),
	C("aws-fsbp", "IAM.2")};
static const dm_posture_compliance c_iam13[] = {
	C("cis-aws-3.0", "1.18"), C("cis-aws-4.0", "1.18"), C("cis-aws-5.0", "1.17"), C("cis-aws-6.0", "2.17")};
static const dm_posture_compliance c_iam15[] = {
	C("cis-aws-3.0", "1.4"), C("cis-aws-3.0", "1.5"), C("cis-aws-3.0", "1.10"), C("cis-aws-3.0", "1.12"),
	C("cis-aws-3.0", "1.13"), C("cis-aws-3.0", "1.14"), C("cis-aws-4.0", "1.4"), C("cis-aws-4.0", "1.5"),
	C("cis-aws-4.0", "1.10"), C("cis-aws-4.0", "1.12"), C("cis-aws-4.0", "1.13"), C("cis-aws-4.0", "1.14"),
	C("cis-aws-5.0", "1.3"), C("cis-aws-5.0", "1.4"), C("cis-aws-5.0", "1.9"), C("cis-aws-5.0", "1.11"),
	C("cis-aws-5.0", "1.12"), C("cis-aws-5.0", "1.13"), C("cis-aws-6.0", "2.3"), C("cis-aws-6.0", "2.4"),
	C("cis-aws-6.0", "2.9"), C("cis-aws-6.0", "2.11"), C("cis-aws-6.0", "2.12"), C("cis-aws-6.0", "2.13"),
	C("aws-fsbp", "IAM.3"), C("aws-fsbp", "IAM.4"), C("aws-fsbp", "IAM.5"), C("aws-fsbp", "IAM.8"),
	C("aws-fsbp", "IAM.22")};
static const dm_posture_compliance c_eks01[] = {C("aws-fsbp", "EKS.1")};
static const dm_posture_compliance c_eks02[] = {C("aws-fsbp", "EKS.8")};
static const dm_posture_compliance c_eks03[] = {C("aws-fsbp", "EKS.3")};
static const dm_posture_compliance c_eks04[] = {C("aws-fsbp", "EKS.2")};

#define SG "aws_security_group"
#define CMP(a) a, N(a)
#define NOCMP NULL, 0

static const dm_posture_rule rules[] = {
	{"SEG-01", "network", "SG allows all traffic from the internet", DM_SEV_CRITICAL, "Critical", "S",
	 SG ",aws_ec2_managed_prefix_list", "Remove the all-traffic ingress rule; open only the ports the workload serves, from the sources that need them.", CMP(c_seg01)},
	{"SEG-02", "network", "SG exposes remote-admin ports to the internet", DM_SEV_HIGH,
	 "High (Critical if SEG-11 path complete)", "S", SG ",aws_ec2_managed_prefix_list,aws_network_interface",
	 "Restrict SSH/RDP to a bastion, VPN or corporate CIDR, or use SSM Session Manager instead of open admin ports.", CMP(c_seg02)},
	{"SEG-03", "network", "SG exposes data-store or cluster ports to the internet", DM_SEV_HIGH, "High", "S",
	 SG ",aws_ec2_managed_prefix_list", "Allow database and cluster ports only from the application tier's security group or private CIDRs.", CMP(c_seg03)},
	{"SEG-04", "network", "SG exposes other high-risk or plaintext ports", DM_SEV_MEDIUM, "Medium", "S",
	 SG ",aws_ec2_managed_prefix_list", "Close plaintext and high-risk ports to the internet; use TLS endpoints behind a load balancer.", CMP(c_seg04)},
	{"SEG-05", "network", "SG allows internet ingress to an unauthorized port", DM_SEV_MEDIUM,
	 "Medium (Info when every attached ENI is an allowed type)", "S", SG ",aws_network_interface",
	 "Limit internet ingress to the authorized ports (allowed_internet_ports) or put the service behind a load balancer.", CMP(c_seg05)},
	{"SEG-06", "network", "SG trusts overly broad public CIDRs", DM_SEV_MEDIUM, "Medium", "S", SG,
	 "Replace broad public ranges (/1-/23 IPv4, shorter than /48 IPv6) with the specific addresses that need access.", NOCMP},
	{"SEG-07", "network", "VPC default SG has rules or is in use", DM_SEV_MEDIUM, "Medium/High (High when in use)", "S",
	 SG ",aws_network_interface", "Remove every rule from the default security group and move workloads to purpose-built groups.", CMP(c_seg07)},
	{"SEG-08", "network", "NACL admits internet traffic to admin ports", DM_SEV_MEDIUM, "Medium", "S",
	 "aws_network_acl", "Add NACL deny entries for 22/3389 from 0.0.0.0/0 and ::/0 with rule numbers lower than the allow entries.", CMP(c_seg08)},
	{"SEG-09", "network", "Custom NACL allows all inbound traffic from the internet", DM_SEV_LOW,
	 "Low (Info for default NACL)", "S", "aws_network_acl",
	 "Replace the allow-all entry with entries for the ports the subnet serves.", NOCMP},
	{"SEG-10", "network", "Public IPs are assigned by default", DM_SEV_MEDIUM, "Medium", "S",
	 "aws_subnet,aws_launch_template", "Turn off map_public_ip_on_launch / assign_ipv6_address_on_creation and associate_public_ip_address in launch templates.", CMP(c_seg10)},
	{"SEG-11", "network", "Internet-exposed workload (full-path check)", DM_SEV_HIGH,
	 "Critical/High/Medium (Critical admin/DB port, High other port, Medium latent)", "S",
	 "aws_network_interface,aws_subnet,aws_route_table,aws_network_acl," SG,
	 "Remove the public address or the IGW route, or close the port in the security group and NACL.", CMP(c_seg11)},
	{"SEG-12", "network", "VPC flow logs missing or unhealthy", DM_SEV_MEDIUM, "Medium (Info when REJECT only)", "S",
	 "aws_vpc,aws_subnet,aws_flow_log", "Enable VPC flow logs (traffic type ALL) to CloudWatch Logs or S3 and fix failed deliveries.", CMP(c_seg12)},
	{"SEG-13", "network", "Peering routes are not least-access", DM_SEV_LOW, "Low", "S",
	 "aws_route_table,aws_vpc_peering_connection,aws_vpc", "Route only the peer subnets that need to talk, not 0.0.0.0/0 or the whole VPC CIDR.", CMP(c_seg13)},
	{"SEG-14", "network", "Connectivity to untrusted accounts", DM_SEV_MEDIUM,
	 "Medium (peering) / High (TGW auto-accept)", "S", "aws_vpc_peering_connection,aws_ec2_transit_gateway",
	 "Add the peer account to trusted_account_ids after review, or delete the peering; disable TGW auto-accept of shared attachments.", CMP(c_seg14)},
	{"SEG-15", "network", "Broad east-west (lateral) ingress", DM_SEV_MEDIUM,
	 "Low/Medium (Medium admin/DB ports from a whole VPC or RFC1918 supernet, Low all-to-self); segmentation policy violations High", "S",
	 SG ",aws_vpc", "Reference the client tier's security group instead of whole VPC or RFC1918 ranges.", NOCMP},
	{"SEG-16", "network", "Unused network objects", DM_SEV_LOW, "Low", "S",
	 "aws_network_acl," SG ",aws_network_interface,aws_internet_gateway",
	 "Delete unused NACLs, security groups and detached internet gateways.", CMP(c_seg16)},
	{"IAM-01", "iam", "Customer-managed or inline policy grants full admin", DM_SEV_HIGH,
	 "High (Critical if attached to a role trusted cross-account or by EC2/Lambda)", "S",
	 "aws_iam_policy,aws_iam_role,aws_iam_user,aws_iam_group",
	 "Replace Action * on Resource * with the actions the principal needs.", CMP(c_iam01)},
	{"IAM-02", "iam", "Admin AWS-managed policy attached", DM_SEV_HIGH, "High (Info for reserved SSO roles)", "S",
	 "aws_iam_role,aws_iam_user,aws_iam_group", "Detach AdministratorAccess; grant least privilege through purpose-built policies.", CMP(c_iam02)},
	{"IAM-03", "iam", "Service-wide wildcard actions", DM_SEV_MEDIUM, "Medium", "S", "aws_iam_policy",
	 "List the service actions needed instead of svc:* on Resource *.", CMP(c_iam03)},
	{"IAM-04", "iam", "Allow with NotAction", DM_SEV_MEDIUM, "Medium", "S",
	 "aws_iam_policy,aws_iam_role,aws_iam_user,aws_iam_group", "Rewrite Allow+NotAction/NotResource statements as explicit Action/Resource lists.", NOCMP},
	{"IAM-05", "iam", "Role assumption or passing on any resource", DM_SEV_HIGH, "High", "S",
	 "aws_iam_policy,aws_iam_role,aws_iam_user,aws_iam_group",
	 "Scope sts:AssumeRole and iam:PassRole to specific role ARNs or add an iam:PassedToService condition.", NOCMP},
	{"IAM-06", "iam", "Privilege-escalation action sets", DM_SEV_HIGH, "High", "S",
	 "aws_iam_policy,aws_iam_role,aws_iam_user,aws_iam_group",
	 "Remove the escalation combination or scope its Resource to the principal itself (${aws:username}).", NOCMP},
	{"IAM-07", "iam", "Role trust allows any principal", DM_SEV_CRITICAL, "Critical", "S", "aws_iam_role",
	 "Name the trusted principals, or add aws:PrincipalOrgID / aws:PrincipalArn conditions.", NOCMP},
	{"IAM-08", "iam", "Cross-account trust without ExternalId or MFA, or to an untrusted account", DM_SEV_HIGH, "High", "S",
	 "aws_iam_role", "Require sts:ExternalId (third parties) or aws:MultiFactorAuthPresent (people) in the trust policy.", NOCMP},
	{"IAM-09", "iam", "OIDC web-identity trust without subject restriction", DM_SEV_CRITICAL, "Critical", "S",
	 "aws_iam_role", "Add a <provider>:sub condition naming the repository/branch or service account.", NOCMP},
	{"IAM-10", "iam", "Service trust without confused-deputy guard", DM_SEV_LOW, "Low", "S", "aws_iam_role",
	 "Add aws:SourceAccount / aws:SourceArn conditions to the service trust statement.", NOCMP},
	{"IAM-11", "iam", "Stale role (unused more than 90 days)", DM_SEV_LOW, "Low (Medium if admin or cross-account)",
	 "S+T", "aws_iam_role", "Delete roles unused for stale_role_days, after confirming with their owners.", NOCMP},
	{"IAM-12", "iam", "Inline policies and direct user grants", DM_SEV_LOW, "Low", "S",
	 "aws_iam_role,aws_iam_user,aws_iam_group", "Move inline policies to managed policies; grant users permissions through groups.", CMP(c_iam12)},
	{"IAM-13", "iam", "Orphaned or unattached identity objects", DM_SEV_LOW, "Low (Medium for an unattached admin policy)",
	 "S", "aws_iam_policy,aws_iam_instance_profile,aws_iam_role,aws_instance",
	 "Delete unattached policies and empty instance profiles; give instances a role through an instance profile.", CMP(c_iam13)},
	{"IAM-14", "iam", "Internet-exposed compute with a privileged instance profile", DM_SEV_CRITICAL, "Critical", "S",
	 "aws_instance,aws_iam_instance_profile,aws_iam_role", "Remove the public address or reduce the instance role to least privilege.", NOCMP},
	{"IAM-15", "iam", "Root and user credential hygiene (CIS core)", DM_SEV_MEDIUM, "Critical (root) / Medium", "S+T",
	 "aws_iam_credential_report", "Delete root access keys, enable MFA, rotate keys within 90 days, disable credentials unused for 45 days.", CMP(c_iam15)},
	{"EKS-01", "eks", "API endpoint reachable from the internet", DM_SEV_HIGH, "High / Low (restricted CIDRs)", "S",
	 "aws_eks_cluster", "Turn off the public endpoint or restrict public_access_cidrs to known networks.", CMP(c_eks01)},
	{"EKS-02", "eks", "Control-plane audit logging off", DM_SEV_MEDIUM, "Medium", "S", "aws_eks_cluster",
	 "Enable the audit log type (and the other required types) in enabled_cluster_log_types.", CMP(c_eks02)},
	{"EKS-03", "eks", "Kubernetes secrets not envelope-encrypted with KMS", DM_SEV_MEDIUM, "Medium (Low when version >= 1.28)",
	 "S", "aws_eks_cluster", "Add an encryption_config for resources [\"secrets\"] with a customer-managed KMS key.", CMP(c_eks03)},
	{"EKS-04", "eks", "Kubernetes version support status", DM_SEV_HIGH,
	 "Critical (unsupported) / High (extended support) / Medium (standard support ends within the warning window)", "S+X",
	 "aws_eks_cluster,aws_eks_cluster_versions", "Upgrade the control plane to a version in standard support.", CMP(c_eks04)},
	{"EKS-05", "eks", "Node-group version skew or stale AMI", DM_SEV_LOW, "High (outside skew policy or newer than control plane) / Low (any skew)",
	 "S", "aws_eks_node_group,aws_eks_cluster", "Upgrade the node group to the control-plane version.", NOCMP},
	{"EKS-06", "eks", "Managed node group SSH open to the world", DM_SEV_HIGH, "High", "S", "aws_eks_node_group",
	 "Set remote_access.source_security_group_ids, or remove remote_access and use SSM.", NOCMP},
	{"EKS-07", "eks", "Cluster or nodes in public or default networking", DM_SEV_MEDIUM, "Medium", "S",
	 "aws_eks_cluster,aws_eks_node_group,aws_vpc,aws_subnet,aws_route_table," SG,
	 "Run clusters in a dedicated VPC with private node subnets and a single cluster security group.", NOCMP},
};

size_t dm_posture_rule_count(void)
{
	return N(rules);
}

const dm_posture_rule *dm_posture_rule_at(size_t i)
{
	return i < N(rules) ? &rules[i] : NULL;
}

const dm_posture_rule *dm_posture_rule_find(const char *id)
{
	size_t i;

	for (i = 0; id && i < N(rules); i++) {
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	}
	return NULL;
}

static const char *sev_title(dm_severity s)
{
	static const char *const t[] = {"Info", "Low", "Medium", "High", "Critical"};

	return (unsigned)s < 5 ? t[s] : "?";
}

static int md_cell(dm_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++)
		rc = *s == '|' ? dm__buf_puts(b, "\\|") : dm__buf_putc(b, *s);
	return rc;
}

char *dm_posture_rules_markdown(void)
{
	dm_buf b = DM_BUF_INIT;
	size_t i, j;
	int rc;

	rc = dm__buf_puts(&b, "| ID | Area | Title | Severity | Grading | Snapshot | Inputs | Compliance |\n"
			      "|---|---|---|---|---|---|---|---|\n");
	for (i = 0; rc == 0 && i < N(rules); i++) {
		const dm_posture_rule *r = &rules[i];
		rc |= dm__buf_printf(&b, "| %s | %s | ", r->id, r->area);
		rc |= md_cell(&b, r->title);
		rc |= dm__buf_printf(&b, " | %s | ", sev_title(r->severity));
		rc |= md_cell(&b, r->severity_text);
		rc |= dm__buf_printf(&b, " | %s | ", r->snapshot);
		for (j = 0; r->inputs[j]; j++)
			rc |= r->inputs[j] == ',' ? dm__buf_puts(&b, ", ") : dm__buf_putc(&b, r->inputs[j]);
		rc |= dm__buf_puts(&b, " | ");
		for (j = 0; j < r->ncompliance; j++)
			rc |= dm__buf_printf(&b, "%s%s %s", j ? ", " : "", r->compliance[j].framework,
					     r->compliance[j].id);
		if (!r->ncompliance)
			rc |= dm__buf_puts(&b, "—");
		rc |= dm__buf_puts(&b, " |\n");
	}
	if (rc != 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}
