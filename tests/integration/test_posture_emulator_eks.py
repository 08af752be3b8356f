#!/usr/bin/env python3
"""EKS posture rules (EKS-01..07) over clusters and node groups built in the AWS emulator
(issue 7, item 9).

Clusters and managed node groups are created through the EKS API in moto_server; `driftmap
posture` collects them with the live AWS provider (ListClusters/DescribeCluster,
ListNodegroups/DescribeNodegroup). For each rule: a resource built to trip it and a sibling
built to look alike but comply.
moto 5 has no DescribeClusterVersions (404 HTML): EKS-04 must then grade from the embedded
calendar, print its as-of date, and the run must say the scope is incomplete (exit 3 and the
scope error in `sources`) — never pass silently. The API-calendar cases (extended support, the
90-day warning) are in the saved-inventory unit tests. moto's DescribeCluster has no vpcId, so
EKS-07's default-VPC part is unit-tested only.
Exit 77 (skipped) only when moto_server or boto3 is missing.
"""
import json

import posture_estate_util as pu

ACCT = "123456789012"
ROLE = "arn:aws:iam::%s:role/eks" % ACCT


def build(c, moto):
    ec2, eks = c["ec2"], c["eks"]
    o = {}
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    pub = o["sn_public"] = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=pub, MapPublicIpOnLaunch={"Value": True})
    priv = o["sn_private"] = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.2.0/24")["Subnet"]["SubnetId"]
    priv2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.3.0/24")["Subnet"]["SubnetId"]
    src_sg = o["bastion_sg"] = ec2.create_security_group(GroupName="bastion", Description="b", VpcId=vpc)["GroupId"]
    kms = "arn:aws:kms:us-east-1:%s:key/11111111-2222-3333-4444-555555555555" % ACCT

    def cluster(name, version, public, cidrs=None, logs=None, encrypted=False):
        vc = {"subnetIds": [priv, priv2], "endpointPublicAccess": public, "endpointPrivateAccess": True}
        if cidrs:
            vc["publicAccessCidrs"] = cidrs
        kw = {}
        if logs is not None:
            kw["logging"] = {"clusterLogging": logs}
        if encrypted:
            kw["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": kms}}]
        eks.create_cluster(name=name, version=version, roleArn=ROLE, resourcesVpcConfig=vc, **kw)
        return name

    all_logs = [{"types": ["api", "audit", "authenticator"], "enabled": True},
                {"types": ["controllerManager", "scheduler"], "enabled": False}]
    # legacy: public to 0.0.0.0/0, no audit log, no KMS, 1.24 (end of extended support 2025)
    cluster("legacy", "1.24", True, ["0.0.0.0/0"], [{"types": ["api"], "enabled": True},
                                                     {"types": ["audit"], "enabled": False}])
    # restricted: public endpoint limited to an office CIDR; audit in a second clusterLogging entry
    cluster("restricted", "1.33", True, ["198.51.100.0/24"],
            [{"types": ["api"], "enabled": True}, {"types": ["audit"], "enabled": True}], encrypted=True)
    # private: no public endpoint, all logs, KMS, current version
    cluster("private", "1.33", False, None, all_logs, encrypted=True)
    # newest: the newest version of the embedded calendar (EKS-04 quiet when outside the window)
    cluster("newest", "1.34", False, None, all_logs, encrypted=True)

    def ng(cluster_name, name, version, subnets, ssh=None, source_sgs=None):
        kw = {}
        if ssh:
            kw["remoteAccess"] = {"ec2SshKey": ssh}
            if source_sgs:
                kw["remoteAccess"]["sourceSecurityGroups"] = source_sgs
        eks.create_nodegroup(clusterName=cluster_name, nodegroupName=name, nodeRole=ROLE, subnets=subnets,
                             version=version, **kw)
        return "%s:%s" % (cluster_name, name)

    o["ng_skew_far"] = ng("private", "far", "1.29", [priv])            # 4 minors behind: outside policy
    o["ng_skew_near"] = ng("private", "near", "1.32", [priv])          # 1 minor behind: Low
    o["ng_same"] = ng("private", "same", "1.33", [priv])               # no skew
    o["ng_ssh_open"] = ng("restricted", "ssh-open", "1.33", [priv], ssh="ops-key")
    o["ng_ssh_src"] = ng("restricted", "ssh-bastion", "1.33", [priv], ssh="ops-key", source_sgs=[src_sg])
    o["ng_public"] = ng("restricted", "public-nodes", "1.33", [pub])
    return o


def ev_has(*needles):
    return lambda f: all(n in json.dumps(f.get("evidence")) for n in needles)


def verify(reports, o, c):
    r = reports[""]
    # the collected node-group versions are the ones built (moto 5.2 honours `version`)
    r.fires("EKS-01", "legacy", "public endpoint open to 0.0.0.0/0", sev="high", evidence=ev_has("0.0.0.0/0"))
    r.fires("EKS-01", "restricted", "public endpoint limited to an allow-list is Low", sev="low")
    r.quiet("EKS-01", "private", "no public endpoint")
    r.fires("EKS-02", "legacy", "audit log type present but disabled", sev="medium")
    r.quiet("EKS-02", "restricted", "audit enabled in the second clusterLogging entry")
    r.quiet("EKS-02", "private", "all log types enabled")
    r.fires("EKS-03", "legacy", "no encryptionConfig for secrets")
    r.quiet("EKS-03", "restricted", "secrets encrypted with a KMS key")
    r.quiet("EKS-03", "private", "secrets encrypted with a KMS key")
    # EKS-04 from the embedded calendar, saying so
    f = r.fires("EKS-04", "legacy", "1.24 is past end of extended support", sev="critical",
                evidence=lambda f: f["evidence"].get("version_status") == "UNSUPPORTED"
                and "embedded" in (f["evidence"].get("calendar") or ""))
    # which grade a supported version gets depends on today's date against the calendar: read the
    # end of standard support from the finding on 1.34 with the default 90-day window, then check
    # that with eks_warning_days: 0 the same cluster is quiet while in standard support
    import datetime
    w = r.findings("EKS-04", "newest")
    end = (w[0]["evidence"].get("end_of_standard_support") or "") if w else ""
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    c.check(bool(w) and end != "", "EKS-04 graded 1.34 against the embedded calendar (end of standard "
            "support %r, today %s)" % (end, today[:10]))
    if end > today:
        r.fires("EKS-04", "newest", "standard support ends within the 90-day window", sev="medium",
                evidence=ev_has("STANDARD_SUPPORT"))
        reports["no-window"].quiet("EKS-04", "newest", "in standard support, warning window 0 days")
    else:
        reports["no-window"].fires("EKS-04", "newest", "past end of standard support", sev="high")
    cal = r.doc.get("eks_version_calendar") or ""
    c.check(cal.startswith("embedded") and "as of" in cal,
            "report names the embedded EKS calendar and its as-of date (%r)" % cal)
    errs = [e for s in r.doc["sources"]["live"] for e in s.get("errors", [])
            if e.get("scope") == "eks:DescribeClusterVersions"]
    c.check(bool(errs) and r.rc == 3,
            "DescribeClusterVersions missing in moto: scope reported incomplete (exit %d, %s)" % (r.rc, errs))
    # EKS-05
    r.fires("EKS-05", o["ng_skew_far"], "1.29 nodes on a 1.33 control plane", sub="version-skew", sev="high")
    r.fires("EKS-05", o["ng_skew_near"], "1.32 nodes on 1.33: any skew is Low", sev="low")
    r.quiet("EKS-05", o["ng_same"], "same minor as the control plane")
    # EKS-06
    r.fires("EKS-06", o["ng_ssh_open"], "SSH key without source security groups", sev="high",
            evidence=ev_has("ops-key"))
    r.quiet("EKS-06", o["ng_ssh_src"], "SSH restricted to a bastion security group")
    # (moto gives every node group created without remoteAccess a default ec2SshKey "eksKeypair",
    #  so "no remote access" cannot be built; unit-tested on the saved inventory)
    # EKS-07
    r.fires("EKS-07", o["ng_public"], "node group in a MapPublicIpOnLaunch subnet", sub=o["sn_public"])
    r.quiet("EKS-07", o["ng_ssh_src"], "node group in a private subnet")
    r.never_not_evaluated({"EKS-%02d" % i for i in range(1, 8)})


if __name__ == "__main__":
    import sys
    sys.exit(pu.main_wrapper(build, verify, configs={"": None, "no-window": "eks_warning_days: 0\n"}))
