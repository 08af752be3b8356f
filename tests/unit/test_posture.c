/*
 * Unit tests: the posture rules. Table-driven: for every rule of the
 * catalogue at least one estate where it fires and one where it must not,
 * including the traps POSTURE.md names (ALB 80/443, NACL deny before allow,
 * ::/0-only rule, prefix list containing 0.0.0.0/0, ExternalId, GitHub OIDC
 * sub, service-linked roles, ${aws:username}-scoped escalation).
 */
#include "test_posture_common.h"

#define NOW_2026_11_23 1795392000LL
#define NOW_2026_09_01 1788220800LL
#define NOW_2026_10_01 1790812800LL
#define NOW_2026_01_01 1767225600LL

/* ---- estate fragments --------------------------------------------------------------- */

#define ALLOW_ALL_NACL_ENTRIES                                                                         \
	"[{'rule_no':100,'action':'allow','protocol':'-1','cidr_block':'0.0.0.0/0'}," \
	"{'rule_no':101,'action':'allow','protocol':'-1','ipv6_cidr_block':'::/0'}]"

#define NET                                                                                            \
	R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16','main_route_table_id':'rtb-main'}") ","         \
	R("aws_vpc", "vpc-2", "{'cidr_block':'10.1.0.0/16','main_route_table_id':'rtb-main2'}") ","        \
	R("aws_subnet", "subnet-pub", "{'vpc_id':'vpc-1','cidr_block':'10.0.1.0/24','tags':{'tier':'web'}}") "," \
	R("aws_subnet", "subnet-priv", "{'vpc_id':'vpc-1','cidr_block':'10.0.2.0/24','tags':{'tier':'db'}}") "," \
	R("aws_route_table", "rtb-pub", "{'vpc_id':'vpc-1','route':[{'cidr_block':'0.0.0.0/0','gateway_id':'igw-1'}," \
	  "{'ipv6_cidr_block':'::/0','gateway_id':'igw-1'}]}") ","                                         \
	R("aws_route_table", "rtb-main", "{'vpc_id':'vpc-1','route':[]}") ","                               \
	R("aws_route_table", "rtb-main2", "{'vpc_id':'vpc-2','route':[{'cidr_block':'0.0.0.0/0','gateway_id':'igw-2'}]}") "," \
	R("aws_route_table_association", "rtbassoc-1", "{'subnet_id':'subnet-pub','route_table_id':'rtb-pub'}") "," \
	R("aws_internet_gateway", "igw-1", "{'vpc_id':'vpc-1'}") ","                                       \
	R("aws_network_acl", "acl-open", "{'vpc_id':'vpc-1','subnet_ids':['subnet-pub','subnet-priv'],"      \
	  "'ingress':" ALLOW_ALL_NACL_ENTRIES ",'egress':" ALLOW_ALL_NACL_ENTRIES "}")

#define SGX(id, name, ingress, egress)                                                                 \
	R("aws_security_group", id, "{'name':'" name "','vpc_id':'vpc-1','ingress':[" ingress "],'egress':[" egress "]}")
#define SG(id, ingress) SGX(id, id, ingress, "")
#define IN(proto, from, to, cidrs)                                                                     \
	"{'protocol':'" proto "','from_port':" #from ",'to_port':" #to ",'cidr_blocks':[" cidrs "],"        \
	"'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':false}"
#define IN6(proto, from, to, cidrs)                                                                    \
	"{'protocol':'" proto "','from_port':" #from ",'to_port':" #to ",'cidr_blocks':[],"                 \
	"'ipv6_cidr_blocks':[" cidrs "],'prefix_list_ids':[],'security_groups':[],'self':false}"
#define INPL(proto, from, to, pls)                                                                     \
	"{'protocol':'" proto "','from_port':" #from ",'to_port':" #to ",'cidr_blocks':[],"                 \
	"'ipv6_cidr_blocks':[],'prefix_list_ids':[" pls "],'security_groups':[],'self':false}"
#define INSG(proto, from, to, sgs)                                                                     \
	"{'protocol':'" proto "','from_port':" #from ",'to_port':" #to ",'cidr_blocks':[],"                 \
	"'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[" sgs "],'self':false}"
#define INSELF(proto, from, to)                                                                        \
	"{'protocol':'" proto "','from_port':" #from ",'to_port':" #to ",'cidr_blocks':[],"                 \
	"'ipv6_cidr_blocks':[],'prefix_list_ids':[],'security_groups':[],'self':true}"
#define ENI(id, subnet, sgs, extra)                                                                    \
	R("aws_network_interface", id, "{'subnet_id':'" subnet "','security_groups':[" sgs "],"              \
	  "'interface_type':'interface'" extra "}")
#define PUBIP ",'association':[{'public_ip':'3.3.3.3'}]"

#define NACL(id, subnets, ingress)                                                                     \
	R("aws_network_acl", id, "{'vpc_id':'vpc-1','subnet_ids':[" subnets "],'ingress':[" ingress "],"     \
	  "'egress':" ALLOW_ALL_NACL_ENTRIES "}")
#define NE(no, action, proto, from, to, cidr)                                                          \
	"{'rule_no':" #no ",'action':'" action "','protocol':'" proto "','cidr_block':'" cidr "','from_port':" #from \
	",'to_port':" #to "}"
#define NE6(no, action, proto, from, to, cidr)                                                         \
	"{'rule_no':" #no ",'action':'" action "','protocol':'" proto "','ipv6_cidr_block':'" cidr "','from_port':" #from \
	",'to_port':" #to "}"

#define ROLE(name, trust, extra)                                                                       \
	RG("aws_iam_role", name, "{'name':'" name "','path':'/','arn':'arn:aws:iam::" ACCT ":role/" name "',"      \
	   "'assume_role_policy':" trust ",'managed_policy_arns':[],'inline_policy':[]" extra "}")
#define TRUST_SVC(svc) "{'Version':'2012-10-17','Statement':{'Effect':'Allow','Principal':{'Service':'" svc "'},'Action':'sts:AssumeRole'}}"
#define POLICY(arn, doc, extra)                                                                        \
	RG("aws_iam_policy", arn, "{'arn':'" arn "','policy':" doc extra "}")
#define PARN(n) "arn:aws:iam::" ACCT ":policy/" n
#define ALLOW(actions, resources) "{'Effect':'Allow','Action':" actions ",'Resource':" resources "}"
#define DOC(stmts) "{'Version':'2012-10-17','Statement':[" stmts "]}"

#define CLUSTER(name, version, extra)                                                                  \
	R("aws_eks_cluster", name, "{'name':'" name "','version':'" version "','vpc_config':[{'vpc_id':'vpc-1',"  \
	  "'subnet_ids':['subnet-priv'],'security_group_ids':[],'endpoint_public_access':false,"              \
	  "'endpoint_private_access':true,'public_access_cidrs':[]}],'enabled_cluster_log_types':['audit']"   \
	  extra "}")

typedef struct pcase {
	const char *name;
	const char *res;
	long long now;
	const char *rule;
	const char *resource; /* NULL: any */
	const char *sub;      /* NULL: any */
	int sev;              /* expected dm_severity, or -1: must not fire */
} pcase;

static const pcase cases[] = {
	/* SEG-01 */
	{"seg01 all traffic from 0.0.0.0/0", SG("sg-a", IN("-1", 0, 0, "'0.0.0.0/0'")), 0, "SEG-01", "sg-a", NULL, DM_SEV_CRITICAL},
	{"seg01 tcp 0-65535 from ::/0 only", SG("sg-a", IN6("tcp", 0, 65535, "'::/0'")), 0, "SEG-01", "sg-a", "::/0", DM_SEV_CRITICAL},
	{"seg01 all traffic from 10/8 is not internet", SG("sg-a", IN("-1", 0, 0, "'10.0.0.0/8'")), 0, "SEG-01", "sg-a", NULL, -1},
	{"seg01 prefix list containing 0.0.0.0/0",
	 SG("sg-a", INPL("-1", 0, 0, "'pl-1'")) ","
	 R("aws_ec2_managed_prefix_list", "pl-1", "{'name':'any','entry':[{'cidr':'192.0.2.0/24'},{'cidr':'0.0.0.0/0'}]}"),
	 0, "SEG-01", "sg-a", "pl-1", DM_SEV_CRITICAL},
	{"seg01 prefix list of office ranges",
	 SG("sg-a", INPL("-1", 0, 0, "'pl-1'")) ","
	 R("aws_ec2_managed_prefix_list", "pl-1", "{'name':'office','entry':[{'cidr':'192.0.2.0/24'}]}"),
	 0, "SEG-01", "sg-a", NULL, -1},
	/* SEG-02 */
	{"seg02 ssh from the internet", SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")), 0, "SEG-02", "sg-a", "0.0.0.0/0", DM_SEV_HIGH},
	{"seg02 ::/0-only ssh rule", SG("sg-a", IN6("tcp", 22, 22, "'::/0'")), 0, "SEG-02", "sg-a", "::/0", DM_SEV_HIGH},
	{"seg02 udp 3389 (prowler misses udp)", SG("sg-a", IN("udp", 3389, 3389, "'0.0.0.0/0'")), 0, "SEG-02", "sg-a", "udp", DM_SEV_HIGH},
	{"seg02 range covering 22", SG("sg-a", IN("tcp", 20, 30, "'0.0.0.0/0'")), 0, "SEG-02", "sg-a", NULL, DM_SEV_HIGH},
	{"seg02 ssh from a private range", SG("sg-a", IN("tcp", 22, 22, "'10.0.0.0/8'")), 0, "SEG-02", "sg-a", NULL, -1},
	{"seg02 critical when the SEG-11 path is complete",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP),
	 0, "SEG-02", "sg-a", NULL, DM_SEV_CRITICAL},
	/* SEG-03 */
	{"seg03 postgres from the internet", SG("sg-a", IN("tcp", 5432, 5432, "'0.0.0.0/0'")), 0, "SEG-03", "sg-a", NULL, DM_SEV_HIGH},
	{"seg03 dns udp/53 from the internet", SG("sg-a", IN("udp", 53, 53, "'0.0.0.0/0'")), 0, "SEG-03", "sg-a", NULL, DM_SEV_HIGH},
	{"seg03 tcp/53 is not in the data set", SG("sg-a", IN("tcp", 53, 53, "'0.0.0.0/0'")), 0, "SEG-03", "sg-a", NULL, -1},
	{"seg03 postgres from the app SG", SG("sg-a", INSG("tcp", 5432, 5432, "'sg-app'")), 0, "SEG-03", "sg-a", NULL, -1},
	/* SEG-04 */
	{"seg04 telnet from the internet", SG("sg-a", IN("tcp", 23, 23, "'0.0.0.0/0'")), 0, "SEG-04", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg04 https is not high-risk", SG("sg-a", IN("tcp", 443, 443, "'0.0.0.0/0'")), 0, "SEG-04", "sg-a", NULL, -1},
	/* SEG-05 */
	{"seg05 ALB SG 80/443 is not a finding",
	 SG("sg-alb", IN("tcp", 80, 80, "'0.0.0.0/0'") "," IN("tcp", 443, 443, "'0.0.0.0/0'") "," IN6("tcp", 443, 443, "'::/0'")),
	 0, "SEG-05", "sg-alb", NULL, -1},
	{"seg05 8443 from the internet", SG("sg-a", IN("tcp", 8443, 8443, "'0.0.0.0/0'")), 0, "SEG-05", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg05 8443 only on load-balancer ENIs is info",
	 SG("sg-a", IN("tcp", 8443, 8443, "'0.0.0.0/0'")) ","
	 ENI("eni-lb", "subnet-pub", "'sg-a'", ",'attachment':[{'instance_owner_id':'amazon-elb'}]"),
	 0, "SEG-05", "sg-a", NULL, DM_SEV_INFO},
	/* SEG-06 */
	{"seg06 a /8 of public space", SG("sg-a", IN("tcp", 443, 443, "'8.0.0.0/8'")), 0, "SEG-06", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg06 RFC1918 /8 is not public", SG("sg-a", IN("tcp", 443, 443, "'10.0.0.0/8'")), 0, "SEG-06", "sg-a", NULL, -1},
	{"seg06 a /32 is not broad", SG("sg-a", IN("tcp", 443, 443, "'8.8.8.8/32'")), 0, "SEG-06", "sg-a", NULL, -1},
	/* SEG-07 */
	{"seg07 default SG with rules in use",
	 SGX("sg-def", "default", INSELF("-1", 0, 0), "") "," ENI("eni-1", "subnet-pub", "'sg-def'", ""),
	 0, "SEG-07", "sg-def", NULL, DM_SEV_HIGH},
	{"seg07 default SG with rules unused", SGX("sg-def", "default", INSELF("-1", 0, 0), "") "," ENI("eni-1", "subnet-pub", "'sg-x'", ""),
	 0, "SEG-07", "sg-def", NULL, DM_SEV_MEDIUM},
	{"seg07 empty default SG", SGX("sg-def", "default", "", ""), 0, "SEG-07", "sg-def", NULL, -1},
	/* SEG-08 */
	{"seg08 NACL allows ssh from the internet",
	 NACL("acl-1", "'subnet-pub'", NE(100, "allow", "6", 22, 22, "0.0.0.0/0")), 0, "SEG-08", "acl-1", "ipv4:22", DM_SEV_MEDIUM},
	{"seg08 NACL deny before allow",
	 NACL("acl-1", "'subnet-pub'", NE(50, "deny", "6", 22, 22, "0.0.0.0/0") "," NE(100, "allow", "-1", 0, 0, "0.0.0.0/0")),
	 0, "SEG-08", "acl-1", "ipv4:22", -1},
	{"seg08 entries out of API order: deny has the lower number",
	 NACL("acl-1", "'subnet-pub'", NE(200, "allow", "-1", 0, 0, "0.0.0.0/0") "," NE(10, "deny", "-1", 0, 0, "0.0.0.0/0")),
	 0, "SEG-08", "acl-1", "ipv4:22", -1},
	{"seg08 IPv4 denied but ::/0 allowed",
	 NACL("acl-1", "'subnet-pub'", NE(50, "deny", "6", 22, 22, "0.0.0.0/0") "," NE6(60, "allow", "6", 0, 65535, "::/0")),
	 0, "SEG-08", "acl-1", "ipv6:22", DM_SEV_MEDIUM},
	{"seg08 unassociated NACL is not reported",
	 NACL("acl-1", "", NE(100, "allow", "6", 22, 22, "0.0.0.0/0")), 0, "SEG-08", "acl-1", NULL, -1},
	/* SEG-09 */
	{"seg09 custom NACL allows all", NACL("acl-1", "'subnet-pub'", NE(100, "allow", "-1", 0, 0, "0.0.0.0/0")),
	 0, "SEG-09", "acl-1", "ipv4", DM_SEV_LOW},
	{"seg09 default NACL is info",
	 RF("aws_network_acl", "acl-d", "aws_created", "{'vpc_id':'vpc-1','subnet_ids':['subnet-a'],'ingress':"
	    ALLOW_ALL_NACL_ENTRIES ",'egress':" ALLOW_ALL_NACL_ENTRIES "}"),
	 0, "SEG-09", "acl-d", "ipv4", DM_SEV_INFO},
	{"seg09 tcp-only allow does not count",
	 NACL("acl-1", "'subnet-pub'", NE(100, "allow", "6", 0, 65535, "0.0.0.0/0")), 0, "SEG-09", "acl-1", NULL, -1},
	/* SEG-10 */
	{"seg10 subnet maps public IPs", R("aws_subnet", "subnet-a", "{'vpc_id':'vpc-1','map_public_ip_on_launch':true}"),
	 0, "SEG-10", "subnet-a", "map_public_ip", DM_SEV_MEDIUM},
	{"seg10 launch template with public IP",
	 R("aws_launch_template", "lt-1", "{'name':'web','network_interfaces':[{'associate_public_ip_address':'true'}]}"),
	 0, "SEG-10", "lt-1", NULL, DM_SEV_MEDIUM},
	{"seg10 private subnet", R("aws_subnet", "subnet-a", "{'vpc_id':'vpc-1','map_public_ip_on_launch':false}"),
	 0, "SEG-10", "subnet-a", NULL, -1},
	/* SEG-11 */
	{"seg11 public ENI, IGW route, open NACL, ssh open: critical",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_CRITICAL},
	{"seg11 public ENI with port 8080: high",
	 NET "," SG("sg-a", IN("tcp", 8080, 8080, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP),
	 0, "SEG-11", "eni-1", "other", DM_SEV_HIGH},
	{"seg11 no public IP: latent",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", ""),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_MEDIUM},
	{"seg11 main table of the same VPC, not another VPC's: latent",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-priv", "'sg-a'", PUBIP),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_MEDIUM},
	{"seg11 NACL ingress deny: latent",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-x", "'sg-a'", PUBIP) ","
	 R("aws_subnet", "subnet-x", "{'vpc_id':'vpc-1','cidr_block':'10.0.9.0/24'}") ","
	 R("aws_route_table_association", "rtbassoc-x", "{'subnet_id':'subnet-x','route_table_id':'rtb-pub'}") ","
	 NACL("acl-x", "'subnet-x'", NE(10, "deny", "6", 22, 22, "0.0.0.0/0") "," NE(100, "allow", "-1", 0, 0, "0.0.0.0/0")),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_MEDIUM},
	{"seg11 blackhole IGW route is not active: latent",
	 NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-x", "'sg-a'", PUBIP) ","
	 R("aws_subnet", "subnet-x", "{'vpc_id':'vpc-1','cidr_block':'10.0.9.0/24'}") ","
	 R("aws_route_table", "rtb-bh", "{'vpc_id':'vpc-1','route':[{'cidr_block':'0.0.0.0/0','gateway_id':'igw-1','state':'blackhole'}]}") ","
	 R("aws_route_table_association", "rtbassoc-x", "{'subnet_id':'subnet-x','route_table_id':'rtb-bh'}") ","
	 NACL("acl-x", "'subnet-x'", NE(100, "allow", "-1", 0, 0, "0.0.0.0/0")),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_MEDIUM},
	{"seg11 ::/0 rule with a global IPv6 address and ::/0 IGW route: critical",
	 NET "," SG("sg-a", IN6("tcp", 3389, 3389, "'::/0'")) ","
	 ENI("eni-1", "subnet-pub", "'sg-a'", ",'ipv6_addresses':['2600:1f18::10']"),
	 0, "SEG-11", "eni-1", "admin", DM_SEV_CRITICAL},
	{"seg11 ALB ENI with 443 is not reported",
	 NET "," SG("sg-a", IN("tcp", 443, 443, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP),
	 0, "SEG-11", "eni-1", NULL, -1},
	/* SEG-12 */
	{"seg12 VPC without flow logs", R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16'}") "," R("aws_flow_log", "fl-x", "{'vpc_id':'vpc-9','traffic_type':'ALL'}"),
	 0, "SEG-12", "vpc-1", "missing", DM_SEV_MEDIUM},
	{"seg12 VPC with an active flow log",
	 R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16'}") "," R("aws_flow_log", "fl-1", "{'vpc_id':'vpc-1','traffic_type':'ALL'}"),
	 0, "SEG-12", "vpc-1", NULL, -1},
	{"seg12 REJECT-only flow log is info",
	 R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16'}") "," R("aws_flow_log", "fl-1", "{'vpc_id':'vpc-1','traffic_type':'REJECT'}"),
	 0, "SEG-12", "vpc-1", "reject-only", DM_SEV_INFO},
	{"seg12 failed delivery",
	 R("aws_vpc", "vpc-1", "{'cidr_block':'10.0.0.0/16'}") ","
	 R("aws_flow_log", "fl-1", "{'vpc_id':'vpc-1','traffic_type':'ALL','deliver_logs_status':'FAILED'}"),
	 0, "SEG-12", "vpc-1", "unhealthy", DM_SEV_MEDIUM},
	/* SEG-13 */
	{"seg13 route to the whole peer VPC",
	 NET "," R("aws_vpc_peering_connection", "pcx-1", "{'vpc_id':'vpc-1','peer_vpc_id':'vpc-2','peer_owner_id':'" ACCT "','accept_status':'active'}") ","
	 R("aws_route_table", "rtb-p", "{'vpc_id':'vpc-1','route':[{'cidr_block':'10.1.0.0/16','vpc_peering_connection_id':'pcx-1'}]}"),
	 0, "SEG-13", "rtb-p", NULL, DM_SEV_LOW},
	{"seg13 route to one peer subnet",
	 NET "," R("aws_vpc_peering_connection", "pcx-1", "{'vpc_id':'vpc-1','peer_vpc_id':'vpc-2','peer_owner_id':'" ACCT "','accept_status':'active'}") ","
	 R("aws_route_table", "rtb-p", "{'vpc_id':'vpc-1','route':[{'cidr_block':'10.1.5.0/24','vpc_peering_connection_id':'pcx-1'}]}"),
	 0, "SEG-13", "rtb-p", NULL, -1},
	/* SEG-14 */
	{"seg14 peering to an unknown account",
	 R("aws_vpc_peering_connection", "pcx-1", "{'vpc_id':'vpc-1','peer_vpc_id':'vpc-9','peer_owner_id':'999999999999','accept_status':'active'}"),
	 0, "SEG-14", "pcx-1", "999999999999", DM_SEV_MEDIUM},
	{"seg14 peering inside the account",
	 R("aws_vpc_peering_connection", "pcx-1", "{'vpc_id':'vpc-1','peer_vpc_id':'vpc-2','peer_owner_id':'" ACCT "','accept_status':'active'}"),
	 0, "SEG-14", "pcx-1", NULL, -1},
	{"seg14 TGW auto-accepts shared attachments",
	 R("aws_ec2_transit_gateway", "tgw-1", "{'auto_accept_shared_attachments':'enable'}"), 0, "SEG-14", "tgw-1", NULL, DM_SEV_HIGH},
	/* SEG-15 */
	{"seg15 ssh from 10/8", NET "," SG("sg-a", IN("tcp", 22, 22, "'10.0.0.0/8'")), 0, "SEG-15", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg15 postgres from the whole VPC", NET "," SG("sg-a", IN("tcp", 5432, 5432, "'10.0.0.0/16'")), 0, "SEG-15", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg15 postgres from another VPC's CIDR", NET "," SG("sg-a", IN("tcp", 5432, 5432, "'10.1.0.0/16'")), 0, "SEG-15", "sg-a", NULL, DM_SEV_MEDIUM},
	{"seg15 postgres from one app subnet", NET "," SG("sg-a", IN("tcp", 5432, 5432, "'10.0.1.0/24'")), 0, "SEG-15", "sg-a", NULL, -1},
	{"seg15 all ports to self", SG("sg-a", INSELF("-1", 0, 0)), 0, "SEG-15", "sg-a", NULL, DM_SEV_LOW},
	/* SEG-16 */
	{"seg16 unassociated custom NACL", NACL("acl-1", "", NE(100, "allow", "6", 443, 443, "0.0.0.0/0")), 0, "SEG-16", "acl-1", NULL, DM_SEV_LOW},
	{"seg16 unused SG", SG("sg-a", "") "," SG("sg-b", "") "," ENI("eni-1", "subnet-pub", "'sg-b'", ""), 0, "SEG-16", "sg-a", NULL, DM_SEV_LOW},
	{"seg16 SG referenced by another SG is used",
	 SG("sg-a", "") "," SG("sg-b", INSG("tcp", 443, 443, "'sg-a'")) "," ENI("eni-1", "subnet-pub", "'sg-b'", ""),
	 0, "SEG-16", "sg-a", NULL, -1},
	{"seg16 detached IGW", R("aws_internet_gateway", "igw-9", "{'vpc_id':''}"), 0, "SEG-16", "igw-9", NULL, DM_SEV_LOW},

	/* IAM-01 */
	{"iam01 attached admin policy", POLICY(PARN("adm"), DOC(ALLOW("'*'", "'*'")), ",'attachment_count':1"), 0, "IAM-01", PARN("adm"), NULL, DM_SEV_HIGH},
	{"iam01 admin as a list and a JSON string",
	 POLICY(PARN("adm"), "'{\\'Statement\\':{\\'Effect\\':\\'Allow\\',\\'Action\\':[\\'*:*\\'],\\'Resource\\':[\\'*\\']}}'", ",'attachment_count':2"),
	 0, "IAM-01", PARN("adm"), NULL, DM_SEV_HIGH},
	{"iam01 URL-encoded document",
	 POLICY(PARN("adm"), "'%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D'",
		",'attachment_count':1"),
	 0, "IAM-01", PARN("adm"), NULL, DM_SEV_HIGH},
	{"iam01 Deny * cancels", POLICY(PARN("adm"), DOC(ALLOW("'*'", "'*'") ",{'Effect':'Deny','Action':'*','Resource':'*'}"), ",'attachment_count':1"),
	 0, "IAM-01", PARN("adm"), NULL, -1},
	{"iam01 inline admin on an EC2 role is critical",
	 ROLE("app", TRUST_SVC("ec2.amazonaws.com"), "") ","
	 RG("aws_iam_role", "ec2admin", "{'name':'ec2admin','path':'/','assume_role_policy':" TRUST_SVC("ec2.amazonaws.com") ","
	    "'inline_policy':[{'name':'all','policy':" DOC(ALLOW("'*'", "'*'")) "}]}"),
	 0, "IAM-01", "ec2admin", "inline:all", DM_SEV_CRITICAL},
	{"iam01 scoped policy", POLICY(PARN("s3"), DOC(ALLOW("'s3:GetObject'", "'arn:aws:s3:::b/*'")), ",'attachment_count':1"), 0, "IAM-01", NULL, NULL, -1},
	/* IAM-02 */
	{"iam02 AdministratorAccess on a role",
	 RG("aws_iam_role", "ops", "{'path':'/','assume_role_policy':" TRUST_SVC("ec2.amazonaws.com") ",'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess']}"),
	 0, "IAM-02", "ops", NULL, DM_SEV_HIGH},
	{"iam02 service-linked role is never reported",
	 RG("aws_iam_role", "AWSServiceRoleForSupport", "{'path':'/aws-service-role/support.amazonaws.com/','assume_role_policy':{'Statement':{'Effect':'Allow','Principal':'*','Action':'sts:AssumeRole'}},"
	    "'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess'],'inline_policy':[{'name':'x','policy':" DOC(ALLOW("'*'", "'*'")) "}]}"),
	 0, NULL, "AWSServiceRoleForSupport", NULL, -1},
	{"iam02 reserved SSO admin role is info",
	 RG("aws_iam_role", "AWSReservedSSO_Admin_1", "{'path':'/aws-reserved/sso.amazonaws.com/','assume_role_policy':{'Statement':{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::" ACCT ":saml-provider/AWSSSO'},'Action':'sts:AssumeRoleWithSAML'}},"
	    "'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess']}"),
	 0, "IAM-02", "AWSReservedSSO_Admin_1", NULL, DM_SEV_INFO},
	{"iam02 ReadOnlyAccess", RG("aws_iam_role", "ro", "{'path':'/','managed_policy_arns':['arn:aws:iam::aws:policy/ReadOnlyAccess']}"), 0, "IAM-02", "ro", NULL, -1},
	/* IAM-03 */
	{"iam03 s3:* on *", POLICY(PARN("s3"), DOC(ALLOW("'s3:*'", "'*'")), ",'attachment_count':1"), 0, "IAM-03", PARN("s3"), "s3:*", DM_SEV_MEDIUM},
	{"iam03 s3:* on one bucket", POLICY(PARN("s3"), DOC(ALLOW("'s3:*'", "'arn:aws:s3:::b'")), ",'attachment_count':1"), 0, "IAM-03", PARN("s3"), NULL, -1},
	/* IAM-04 */
	{"iam04 Allow NotAction", POLICY(PARN("na"), DOC("{'Effect':'Allow','NotAction':'iam:*','Resource':'*'}"), ",'attachment_count':1"),
	 0, "IAM-04", PARN("na"), NULL, DM_SEV_MEDIUM},
	{"iam04 Deny NotAction is fine", POLICY(PARN("na"), DOC("{'Effect':'Deny','NotAction':'iam:*','Resource':'*'}"), ",'attachment_count':1"),
	 0, "IAM-04", PARN("na"), NULL, -1},
	/* IAM-05 */
	{"iam05 PassRole on *", POLICY(PARN("pr"), DOC(ALLOW("'iam:PassRole'", "'*'")), ",'attachment_count':1"), 0, "IAM-05", PARN("pr"), NULL, DM_SEV_HIGH},
	{"iam05 PassRole on one role", POLICY(PARN("pr"), DOC(ALLOW("'iam:PassRole'", "'arn:aws:iam::" ACCT ":role/app'")), ",'attachment_count':1"),
	 0, "IAM-05", PARN("pr"), NULL, -1},
	{"iam05 PassRole on * with iam:PassedToService",
	 POLICY(PARN("pr"), DOC("{'Effect':'Allow','Action':'iam:PassRole','Resource':'*','Condition':{'StringEquals':{'iam:PassedToService':'ec2.amazonaws.com'}}}"), ",'attachment_count':1"),
	 0, "IAM-05", PARN("pr"), NULL, -1},
	/* IAM-06 */
	{"iam06 CreateAccessKey on every user",
	 RG("aws_iam_role", "dev", "{'path':'/','inline_policy':[{'name':'keys','policy':" DOC(ALLOW("'iam:CreateAccessKey'", "'*'")) "}]}"),
	 0, "IAM-06", "dev", "CreateAccessKey", DM_SEV_HIGH},
	{"iam06 scoped to ${aws:username} is not escalation",
	 RG("aws_iam_user", "alice", "{'path':'/','inline_policy':[{'name':'self','policy':" DOC(ALLOW("['iam:CreateAccessKey','iam:UpdateLoginProfile']", "'arn:aws:iam::*:user/${aws:username}'")) "}]}"),
	 0, "IAM-06", "alice", NULL, -1},
	{"iam06 PassRole + RunInstances across two policies",
	 RG("aws_iam_role", "ci", "{'path':'/','inline_policy':[{'name':'a','policy':" DOC(ALLOW("'iam:PassRole'", "'arn:aws:iam::" ACCT ":role/*'")) "},"
	    "{'name':'b','policy':" DOC(ALLOW("'ec2:Run*'", "'*'")) "}]}"),
	 0, "IAM-06", "ci", "PassRole+RunInstances", DM_SEV_HIGH},
	{"iam06 Deny removes the action",
	 RG("aws_iam_role", "ci", "{'path':'/','inline_policy':[{'name':'a','policy':" DOC(ALLOW("'iam:*'", "'arn:aws:iam::" ACCT ":user/*'") ","
	    "{'Effect':'Deny','Action':['iam:CreateAccessKey','iam:CreateLoginProfile','iam:UpdateLoginProfile','iam:Attach*','iam:Put*','iam:AddUserToGroup','iam:*PolicyVersion','iam:UpdateAssumeRolePolicy','iam:PassRole'],'Resource':'*'}") "}]}"),
	 0, "IAM-06", "ci", NULL, -1},
	/* IAM-07 */
	{"iam07 bare * principal", ROLE("open", "{'Statement':{'Effect':'Allow','Principal':'*','Action':'sts:AssumeRole'}}", ""), 0, "IAM-07", "open", NULL, DM_SEV_CRITICAL},
	{"iam07 AWS * with PrincipalOrgID",
	 ROLE("org", "{'Statement':{'Effect':'Allow','Principal':{'AWS':'*'},'Action':'sts:AssumeRole','Condition':{'StringEquals':{'aws:PrincipalOrgID':'o-abc'}}}}", ""),
	 0, "IAM-07", "org", NULL, -1},
	/* IAM-08 */
	{"iam08 cross-account without ExternalId",
	 ROLE("vendor", "{'Statement':{'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::222222222222:root'},'Action':'sts:AssumeRole'}}", ""),
	 0, "IAM-08", "vendor", "222222222222", DM_SEV_HIGH},
	{"iam08 bare 12-digit principal in a list",
	 ROLE("vendor", "{'Statement':[{'Effect':'Allow','Principal':{'AWS':['" ACCT "','333333333333']},'Action':['sts:AssumeRole']}]}", ""),
	 0, "IAM-08", "vendor", "333333333333", DM_SEV_HIGH},
	{"iam08 cross-account with ExternalId passes",
	 ROLE("vendor", "{'Statement':{'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::222222222222:root'},'Action':'sts:AssumeRole','Condition':{'StringEquals':{'sts:ExternalId':'x-123'}}}}", ""),
	 0, "IAM-08", "vendor", NULL, -1},
	{"iam08 same-account trust",
	 ROLE("self", "{'Statement':{'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::" ACCT ":role/admin'},'Action':'sts:AssumeRole'}}", ""),
	 0, "IAM-08", "self", NULL, -1},
	/* IAM-09 */
	{"iam09 GitHub OIDC without sub",
	 ROLE("gha", "{'Statement':{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::" ACCT ":oidc-provider/token.actions.githubusercontent.com'},"
	      "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{'StringEquals':{'token.actions.githubusercontent.com:aud':'sts.amazonaws.com'}}}}", ""),
	 0, "IAM-09", "gha", NULL, DM_SEV_CRITICAL},
	{"iam09 GitHub OIDC with repo:* sub",
	 ROLE("gha", "{'Statement':{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::" ACCT ":oidc-provider/token.actions.githubusercontent.com'},"
	      "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{'StringLike':{'token.actions.githubusercontent.com:sub':'repo:*'}}}}", ""),
	 0, "IAM-09", "gha", NULL, DM_SEV_CRITICAL},
	{"iam09 GitHub OIDC with a sub",
	 ROLE("gha", "{'Statement':{'Effect':'Allow','Principal':{'Federated':'arn:aws:iam::" ACCT ":oidc-provider/token.actions.githubusercontent.com'},"
	      "'Action':'sts:AssumeRoleWithWebIdentity','Condition':{'StringLike':{'token.actions.githubusercontent.com:sub':'repo:acme/app:ref:refs/heads/main'}}}}", ""),
	 0, "IAM-09", "gha", NULL, -1},
	/* IAM-10 */
	{"iam10 lambda trust without SourceArn", ROLE("fn", TRUST_SVC("lambda.amazonaws.com"), ""), 0, "IAM-10", "fn", NULL, DM_SEV_LOW},
	{"iam10 ec2 trust is a known false positive", ROLE("vm", TRUST_SVC("ec2.amazonaws.com"), ""), 0, "IAM-10", "vm", NULL, -1},
	/* IAM-11 */
	{"iam11 role never used, created 2024", ROLE("old", TRUST_SVC("ec2.amazonaws.com"), ",'create_date':'2024-01-10T10:00:00Z'"),
	 NOW_2026_11_23, "IAM-11", "old", NULL, DM_SEV_LOW},
	{"iam11 role used last week",
	 ROLE("busy", TRUST_SVC("ec2.amazonaws.com"), ",'create_date':'2024-01-10T10:00:00Z','role_last_used':[{'last_used_date':'2026-11-16T08:00:00Z','region':'us-east-1'}]"),
	 NOW_2026_11_23, "IAM-11", "busy", NULL, -1},
	/* IAM-12 */
	{"iam12 role with an inline policy",
	 RG("aws_iam_role", "r", "{'path':'/','inline_policy':[{'name':'p','policy':" DOC(ALLOW("'s3:GetObject'", "'arn:aws:s3:::b/*'")) "}]}"),
	 0, "IAM-12", "r", "inline", DM_SEV_LOW},
	{"iam12 role with managed policies only", RG("aws_iam_role", "r", "{'path':'/','managed_policy_arns':['" PARN("x") "'],'inline_policy':[]}"),
	 0, "IAM-12", "r", NULL, -1},
	/* IAM-13 */
	{"iam13 unattached policy", POLICY(PARN("old"), DOC(ALLOW("'s3:GetObject'", "'*'")), ",'attachment_count':0"), 0, "IAM-13", PARN("old"), NULL, DM_SEV_LOW},
	{"iam13 unattached admin policy is medium", POLICY(PARN("adm"), DOC(ALLOW("'*'", "'*'")), ",'attachment_count':0"), 0, "IAM-13", PARN("adm"), NULL, DM_SEV_MEDIUM},
	{"iam13 instance profile without role", RG("aws_iam_instance_profile", "empty", "{'name':'empty','role':''}"), 0, "IAM-13", "empty", NULL, DM_SEV_LOW},
	{"iam13 attached policy", POLICY(PARN("used"), DOC(ALLOW("'s3:GetObject'", "'*'")), ",'attachment_count':3"), 0, "IAM-13", PARN("used"), NULL, -1},
	/* IAM-14 */
	{"iam14 public instance with an admin role",
	 RG("aws_iam_role", "web", "{'path':'/','assume_role_policy':" TRUST_SVC("ec2.amazonaws.com") ",'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess']}") ","
	 RG("aws_iam_instance_profile", "web-prof", "{'name':'web-prof','role':'web'}") ","
	 R("aws_instance", "i-1", "{'public_ip':'3.3.3.3','iam_instance_profile':'web-prof','instance_state':'running'}"),
	 0, "IAM-14", "i-1", NULL, DM_SEV_CRITICAL},
	{"iam14 private instance with an admin role",
	 RG("aws_iam_role", "web", "{'path':'/','assume_role_policy':" TRUST_SVC("ec2.amazonaws.com") ",'managed_policy_arns':['arn:aws:iam::aws:policy/AdministratorAccess']}") ","
	 RG("aws_iam_instance_profile", "web-prof", "{'name':'web-prof','role':'web'}") ","
	 R("aws_instance", "i-1", "{'public_ip':'','iam_instance_profile':'web-prof','instance_state':'running'}"),
	 0, "IAM-14", "i-1", NULL, -1},
	/* IAM-15 */
	{"iam15 root access key",
	 RG("aws_iam_credential_report", ACCT, "{'users':[{'user':'<root_account>','mfa_active':'true','access_key_1_active':'true','access_key_2_active':'false'}]}"),
	 NOW_2026_11_23, "IAM-15", ACCT, "root:access-key", DM_SEV_CRITICAL},
	{"iam15 console user without MFA",
	 RG("aws_iam_credential_report", ACCT, "{'users':[{'user':'bob','password_enabled':'true','password_last_used':'2026-11-20T00:00:00+00:00','mfa_active':'false','access_key_1_active':'false','access_key_2_active':'false'}]}"),
	 NOW_2026_11_23, "IAM-15", ACCT, "bob:no-mfa", DM_SEV_MEDIUM},
	{"iam15 key not rotated for 200 days",
	 RG("aws_iam_credential_report", ACCT, "{'users':[{'user':'ci','password_enabled':'false','mfa_active':'false','access_key_1_active':'true','access_key_1_last_rotated':'2026-05-01T00:00:00+00:00','access_key_1_last_used_date':'2026-11-22T00:00:00+00:00','access_key_2_active':'false'}]}"),
	 NOW_2026_11_23, "IAM-15", ACCT, "ci:key1-rotation", DM_SEV_MEDIUM},
	{"iam15 healthy user",
	 RG("aws_iam_credential_report", ACCT, "{'users':[{'user':'ok','password_enabled':'true','password_last_used':'2026-11-20T00:00:00+00:00','mfa_active':'true','access_key_1_active':'true','access_key_1_last_rotated':'2026-10-01T00:00:00+00:00','access_key_1_last_used_date':'2026-11-22T00:00:00+00:00','access_key_2_active':'false'}]}"),
	 NOW_2026_11_23, "IAM-15", ACCT, NULL, -1},

	/* EKS-01 */
	{"eks01 public endpoint, no CIDR list", CLUSTER("c1", "1.33", ",'vpc_config':[{'endpoint_public_access':true,'public_access_cidrs':[]}]"),
	 NOW_2026_01_01, "EKS-01", "c1", NULL, DM_SEV_HIGH},
	{"eks01 public endpoint restricted", CLUSTER("c1", "1.33", ",'vpc_config':[{'endpoint_public_access':true,'public_access_cidrs':['203.0.113.0/24']}]"),
	 NOW_2026_01_01, "EKS-01", "c1", NULL, DM_SEV_LOW},
	{"eks01 private endpoint", CLUSTER("c1", "1.33", ""), NOW_2026_01_01, "EKS-01", "c1", NULL, -1},
	/* EKS-02 */
	{"eks02 no audit log", CLUSTER("c1", "1.33", ",'enabled_cluster_log_types':['api']"), NOW_2026_01_01, "EKS-02", "c1", NULL, DM_SEV_MEDIUM},
	{"eks02 audit log on", CLUSTER("c1", "1.33", ""), NOW_2026_01_01, "EKS-02", "c1", NULL, -1},
	/* EKS-03 */
	{"eks03 no KMS key on 1.27", CLUSTER("c1", "1.27", ",'encryption_config':[]"), NOW_2026_01_01, "EKS-03", "c1", NULL, DM_SEV_MEDIUM},
	{"eks03 no KMS key on 1.33 is low", CLUSTER("c1", "1.33", ",'encryption_config':[]"), NOW_2026_01_01, "EKS-03", "c1", NULL, DM_SEV_LOW},
	{"eks03 KMS key for secrets",
	 CLUSTER("c1", "1.33", ",'encryption_config':[{'resources':['secrets'],'provider':[{'key_arn':'arn:aws:kms:us-east-1:" ACCT ":key/1'}]}]"),
	 NOW_2026_01_01, "EKS-03", "c1", NULL, -1},
	/* EKS-04 */
	{"eks04 1.27 is unsupported in late 2026", CLUSTER("c1", "1.27", ""), NOW_2026_11_23, "EKS-04", "c1", NULL, DM_SEV_CRITICAL},
	{"eks04 1.31 in extended support", CLUSTER("c1", "1.31", ""), NOW_2026_09_01, "EKS-04", "c1", NULL, DM_SEV_HIGH},
	{"eks04 1.34 within 90 days of end of standard support", CLUSTER("c1", "1.34", ""), NOW_2026_10_01, "EKS-04", "c1", NULL, DM_SEV_MEDIUM},
	{"eks04 1.34 early 2026 is fine", CLUSTER("c1", "1.34", ""), NOW_2026_01_01, "EKS-04", "c1", NULL, -1},
	{"eks04 DescribeClusterVersions data wins over the embedded table",
	 CLUSTER("c1", "1.29", "") "," R("aws_eks_cluster_versions", "us-east-1", "{'cluster_versions':[{'cluster_version':'1.29','version_status':'STANDARD_SUPPORT',"
					    "'end_of_standard_support_date':'2027-06-01T00:00:00Z','end_of_extended_support_date':'2028-06-01T00:00:00Z'}]}"),
	 NOW_2026_11_23, "EKS-04", "c1", NULL, -1},
	{"eks04 DescribeClusterVersions says extended",
	 CLUSTER("c1", "1.33", "") "," R("aws_eks_cluster_versions", "us-east-1", "{'cluster_versions':[{'cluster_version':'1.33','version_status':'EXTENDED_SUPPORT',"
					    "'end_of_standard_support_date':'2026-01-01T00:00:00Z','end_of_extended_support_date':'2027-01-01T00:00:00Z'}]}"),
	 NOW_2026_01_01, "EKS-04", "c1", NULL, DM_SEV_HIGH},
	/* EKS-05 */
	{"eks05 nodes four minors behind",
	 CLUSTER("c1", "1.31", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.27','subnet_ids':[]}"),
	 NOW_2026_01_01, "EKS-05", "c1:ng", NULL, DM_SEV_HIGH},
	{"eks05 nodes one minor behind",
	 CLUSTER("c1", "1.31", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.30','subnet_ids':[]}"),
	 NOW_2026_01_01, "EKS-05", "c1:ng", NULL, DM_SEV_LOW},
	{"eks05 nodes newer than the control plane",
	 CLUSTER("c1", "1.31", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.32','subnet_ids':[]}"),
	 NOW_2026_01_01, "EKS-05", "c1:ng", NULL, DM_SEV_HIGH},
	{"eks05 same version",
	 CLUSTER("c1", "1.31", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.31','subnet_ids':[]}"),
	 NOW_2026_01_01, "EKS-05", "c1:ng", NULL, -1},
	/* EKS-06 */
	{"eks06 ssh key without source SGs",
	 R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.31','remote_access':[{'ec2_ssh_key':'ops','source_security_group_ids':[]}]}"),
	 NOW_2026_01_01, "EKS-06", "c1:ng", NULL, DM_SEV_HIGH},
	{"eks06 ssh key with source SGs",
	 R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.31','remote_access':[{'ec2_ssh_key':'ops','source_security_group_ids':['sg-bastion']}]}"),
	 NOW_2026_01_01, "EKS-06", "c1:ng", NULL, -1},
	/* EKS-07 */
	{"eks07 nodes in an IGW-routed subnet",
	 NET "," CLUSTER("c1", "1.33", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.33','subnet_ids':['subnet-pub']}"),
	 NOW_2026_01_01, "EKS-07", "c1:ng", "subnet-pub", DM_SEV_MEDIUM},
	{"eks07 nodes in a private subnet",
	 NET "," CLUSTER("c1", "1.33", "") "," R("aws_eks_node_group", "c1:ng", "{'cluster_name':'c1','version':'1.33','subnet_ids':['subnet-priv']}"),
	 NOW_2026_01_01, "EKS-07", NULL, NULL, -1},
	{"eks07 cluster in the default VPC",
	 RF("aws_vpc", "vpc-d", "aws_created", "{'cidr_block':'172.31.0.0/16'}") ","
	 R("aws_eks_cluster", "c1", "{'version':'1.33','vpc_config':[{'vpc_id':'vpc-d','security_group_ids':[],'endpoint_public_access':false}],'enabled_cluster_log_types':['audit']}"),
	 NOW_2026_01_01, "EKS-07", "c1", "default-vpc", DM_SEV_MEDIUM},
};

static void test_posture__every_case_of_the_rule_table(void **state)
{
	dm_ctx *ctx = NULL;
	size_t i;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const pcase *c = &cases[i];
		dm_inventory *inv = pt_inv(ctx, c->res, NULL);
		dm_posture_config *cfg = NULL;
		dm_posture *p = NULL;
		const dm_posture_finding *f = NULL;
		assert_int_equal(dm_posture_config_new(&cfg), 0);
		dm_posture_config_set_now(cfg, c->now ? c->now : NOW_2026_11_23);
		if (dm_posture_run(&p, ctx, inv, cfg) != 0)
			fail_msg("case %zu (%s): run failed: %s", i, c->name, dm_ctx_last_error(ctx));
		if (c->rule) {
			f = pt_find(p, c->rule, c->resource, c->sub);
		} else { /* no finding at all on the resource */
			size_t k;
			for (k = 0; k < dm_posture_count(p) && !f; k++) {
				if (strcmp(dm_posture_at(p, k)->resource_id, c->resource) == 0)
					f = dm_posture_at(p, k);
			}
		}
		if (c->sev < 0 && f) {
			pt_dump(p);
			fail_msg("case %zu (%s): %s fired on %s [%s] but must not", i, c->name, f->rule, f->resource_id,
				 f->subkey);
		}
		if (c->sev >= 0 && !f) {
			pt_dump(p);
			fail_msg("case %zu (%s): %s did not fire on %s", i, c->name, c->rule, c->resource ? c->resource : "*");
		}
		if (c->sev >= 0 && (int)f->severity != c->sev) {
			pt_dump(p);
			fail_msg("case %zu (%s): severity %s, expected %s", i, c->name, dm_posture_severity_name(f->severity),
				 dm_posture_severity_name((dm_severity)c->sev));
		}
		if (f) { /* every finding carries the contract fields */
			assert_int_equal(strlen(f->fingerprint), 32);
			assert_non_null(f->remediation);
			assert_true(json_is_object(f->evidence));
			assert_true(json_object_size(f->evidence) > 0);
		}
		dm_posture_free(p);
		dm_posture_config_free(cfg);
		dm_inventory_free(inv);
	}
	dm_ctx_free(ctx);
}

static void test_posture__every_catalogue_rule_is_in_the_table_and_tested(void **state)
{
	size_t r, i;
	(void)state;

	assert_int_equal(dm_posture_rule_count(), 38);
	for (r = 0; r < dm_posture_rule_count(); r++) {
		const char *id = dm_posture_rule_at(r)->id;
		int fires = 0, passes = 0;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (!cases[i].rule || strcmp(cases[i].rule, id) != 0)
				continue;
			fires |= cases[i].sev >= 0;
			passes |= cases[i].sev < 0;
		}
		if (!fires || !passes)
			fail_msg("rule %s lacks a %s case", id, fires ? "must-not-fire" : "fires");
	}
	assert_non_null(dm_posture_rule_find("SEG-11"));
	assert_null(dm_posture_rule_find("SEG-99"));
}

static void test_posture__seg11_evidence_lists_the_path(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	const dm_posture_finding *f;
	const json_t *ev;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, NET "," SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP),
		     NULL);
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	f = pt_find(p, "SEG-11", "eni-1", "admin");
	assert_non_null(f);
	ev = f->evidence;
	assert_string_equal(json_string_value(json_object_get(ev, "exposure")), "complete");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "route_table"), "id")), "rtb-pub");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "route_table"), "association")), "explicit");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "route"), "gateway_id")), "igw-1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "nacl"), "id")), "acl-open");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(ev, "nacl"), "ingress_entry"), "rule_no")), 100);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "security_group_rule"), "source")), "0.0.0.0/0");
	assert_string_equal(json_string_value(json_object_get(ev, "public_address")), "3.3.3.3");
	assert_int_equal(json_integer_value(json_object_get(ev, "port")), 22);
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_posture__fingerprints_are_stable_and_distinct(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *a = NULL, *b = NULL;
	const dm_posture_finding *f4, *f6, *g4;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'") "," IN6("tcp", 22, 22, "'::/0'")), NULL);
	assert_int_equal(dm_posture_run(&a, ctx, inv, NULL), 0);
	assert_int_equal(dm_posture_run(&b, ctx, inv, NULL), 0);
	f4 = pt_find(a, "SEG-02", "sg-a", "0.0.0.0/0");
	f6 = pt_find(a, "SEG-02", "sg-a", "::/0");
	g4 = pt_find(b, "SEG-02", "sg-a", "0.0.0.0/0");
	assert_non_null(f4);
	assert_non_null(f6);
	assert_non_null(g4);
	assert_string_equal(f4->fingerprint, g4->fingerprint);
	assert_string_not_equal(f4->fingerprint, f6->fingerprint);
	assert_int_equal(strspn(f4->fingerprint, "0123456789abcdef"), 32);
	/* CIS splits IPv4 (4.0 5.3) and IPv6 (4.0 5.4) */
	assert_string_equal(f4->compliance[1].id, "5.3");
	assert_string_equal(f6->compliance[1].id, "5.4");
	dm_posture_free(a);
	dm_posture_free(b);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

#define SCOPE(api, types, complete)                                                                    \
	"{'provider':'aws','account':'" ACCT "','region':'us-east-1','api':'" api "','types':[" types "],"    \
	"'complete':" complete ",'error':null}"
#define SCOPEG(api, types, complete)                                                                   \
	"{'provider':'aws','account':'" ACCT "','region':'global','api':'" api "','types':[" types "],"       \
	"'complete':" complete ",'error':null}"

static void test_posture__incomplete_or_absent_inputs_are_not_evaluated(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, SG("sg-a", IN("tcp", 22, 22, "'0.0.0.0/0'")) "," ROLE("r", TRUST_SVC("ec2.amazonaws.com"), ""),
		     SCOPE("ec2:DescribeSecurityGroups", "'aws_security_group'", "true") ","
		     SCOPE("ec2:DescribeNetworkAcls", "'aws_network_acl'", "false") ","
		     SCOPEG("iam:GetAccountAuthorizationDetails", "'aws_iam_role','aws_iam_policy'", "true"));
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	assert_non_null(pt_find(p, "SEG-02", "sg-a", NULL));
	assert_non_null(pt_ne(p, "SEG-08", "incomplete"));
	assert_non_null(pt_ne(p, "SEG-11", "aws_network_interface not collected"));
	assert_non_null(pt_ne(p, "IAM-15", "aws_iam_credential_report not collected"));
	assert_non_null(pt_ne(p, "IAM-11", "create_date"));
	assert_non_null(pt_ne(p, "SEG-12", "aws_vpc not collected"));
	assert_null(pt_ne(p, "SEG-01", NULL));
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}

static void test_posture__the_result_is_sorted_by_severity(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture *p = NULL;
	dm_posture_summary s;
	size_t i;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, NET "," SG("sg-a", IN("-1", 0, 0, "'0.0.0.0/0'")) "," SG("sg-b", IN("tcp", 23, 23, "'0.0.0.0/0'")) ","
			  ENI("eni-1", "subnet-pub", "'sg-a'", PUBIP), NULL);
	assert_int_equal(dm_posture_run(&p, ctx, inv, NULL), 0);
	for (i = 1; i < dm_posture_count(p); i++)
		assert_true(dm_posture_at(p, i - 1)->severity >= dm_posture_at(p, i)->severity);
	dm_posture_summary_get(p, &s);
	assert_int_equal(s.findings, dm_posture_count(p));
	assert_true(s.has_max);
	assert_int_equal(s.max_severity, DM_SEV_CRITICAL);
	assert_true(dm_posture_fails(p, DM_SEV_CRITICAL));
	assert_int_equal(s.network, s.findings);
	dm_posture_free(p);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
}


static const dm_posture_pair *find_pair(const dm_posture *p, const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < dm_posture_pair_count(p); i++) {
		const dm_posture_pair *pr = dm_posture_pair_at(p, i);
		if (strcmp(pr->from, from) == 0 && strcmp(pr->to, to) == 0)
			return pr;
	}
	return NULL;
}

static void test_posture__segmentation_matrix_by_tier_and_policy(void **state)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv;
	dm_posture_config *cfg = NULL;
	dm_posture *p = NULL;
	const dm_posture_pair *pr;
	const dm_posture_finding *f;
	char *dir = tu_mkdtemp(), path[512];
	size_t n, i;
	int saw_web = 0;
	(void)state;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	inv = pt_inv(ctx, NET "," SG("sg-web", IN("tcp", 443, 443, "'0.0.0.0/0'")) ","
			  SG("sg-db", INSG("tcp", 5432, 5432, "'sg-web'") "," IN("tcp", 22, 22, "'10.0.0.0/16'")) ","
			  ENI("eni-web", "subnet-pub", "'sg-web'", PUBIP) "," ENI("eni-db", "subnet-priv", "'sg-db'", PUBIP) ","
			  R("aws_subnet", "subnet-lone", "{'vpc_id':'vpc-2','cidr_block':'10.1.0.0/24'}"),
		     NULL);
	snprintf(path, sizeof(path), "%s/cfg.yaml", dir);
	{
		const char *y = "segmentation_policy:\n"
				"  - {from: web, to: db, allow: ['tcp/5432']}\n"
				"  - {from: internet, to: db, allow: []}\n";
		assert_int_equal(tu_write_file(path, y, strlen(y)), 0);
	}
	assert_int_equal(dm_posture_config_load(&cfg, ctx, path), 0);
	assert_int_equal(dm_posture_run(&p, ctx, inv, cfg), 0);
	/* tiers: by tag, falling back to the subnet id, sorted */
	assert_int_equal(dm_posture_tier_count(p), 3);
	assert_string_equal(dm_posture_tier_at(p, 0), "db");
	assert_string_equal(dm_posture_tier_at(p, 1), "subnet-lone");
	assert_string_equal(dm_posture_tier_at(p, 2), "web");
	for (i = 0; i < dm_posture_tier_count(p); i++) {
		const char *const *subs = dm_posture_tier_subnets(p, i, &n);
		if (strcmp(dm_posture_tier_at(p, i), "web") == 0) {
			assert_int_equal(n, 1);
			assert_string_equal(subs[0], "subnet-pub");
			saw_web = 1;
		}
	}
	assert_true(saw_web);
	pr = find_pair(p, "internet", "web");
	assert_non_null(pr);
	assert_int_equal(pr->nallowed, 1);
	assert_string_equal(pr->allowed[0].protocol, "tcp");
	assert_int_equal(pr->allowed[0].from, 443);
	pr = find_pair(p, "web", "db");
	assert_non_null(pr);
	assert_int_equal(pr->nallowed, 2); /* tcp/22 (VPC CIDR) and tcp/5432 (SG reference) */
	assert_int_equal(pr->allowed[0].from, 22);
	assert_int_equal(pr->allowed[1].from, 5432);
	assert_null(find_pair(p, "internet", "db")); /* SG does not admit the internet */
	assert_null(find_pair(p, "subnet-lone", "db")); /* another VPC, no peering */
	f = pt_find(p, "SEG-15", "web->db", "tcp/22-22");
	assert_non_null(f);
	assert_int_equal(f->severity, DM_SEV_HIGH);
	assert_null(pt_find(p, "SEG-15", "web->db", "tcp/5432"));
	assert_null(pt_find(p, "SEG-15", "internet->db", NULL));
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	tu_rmrf(dir);
	free(dir);
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posture__every_case_of_the_rule_table),
		cmocka_unit_test(test_posture__every_catalogue_rule_is_in_the_table_and_tested),
		cmocka_unit_test(test_posture__seg11_evidence_lists_the_path),
		cmocka_unit_test(test_posture__fingerprints_are_stable_and_distinct),
		cmocka_unit_test(test_posture__incomplete_or_absent_inputs_are_not_evaluated),
		cmocka_unit_test(test_posture__the_result_is_sorted_by_severity),
		cmocka_unit_test(test_posture__segmentation_matrix_by_tier_and_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
