#!/usr/bin/env python3
"""Posture over an estate built in the AWS emulator through the AWS API (issue 7, item 9).

`driftmap posture` collects the live inventory itself (the same provider a scan uses, plus the
posture data) and the rules must fire on the objects built to trip them and stay quiet on the
traps built next to them:
  SEG-02  SSH open to 0.0.0.0/0 fires; an ALB-style group with 80/443 open does not
  SEG-08  the default NACL (allow all) fires; a NACL with a deny for 22 before its allow does not
  IAM-07  a trust policy with Principal "*" fires
  IAM-08  cross-account trust without ExternalId fires; the same with ExternalId does not
  IAM-09  GitHub OIDC trust without a `sub` condition fires; with `sub` it does not
  IAM-06  privilege escalation (iam:PassRole + ec2:RunInstances on *) fires
  service-linked roles are never reported
  launch templates are collected (no rule is left not_evaluated for want of them)
Exit 77 (skipped) only when moto_server or boto3 is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import boto3  # noqa: F401
    import awsestate as est
except ImportError as e:
    print("SKIP: boto3 missing (%s)" % e)
    sys.exit(77)
if not shutil.which("moto_server"):
    print("SKIP: moto_server not installed")
    sys.exit(77)

DM_BIN = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "."), "driftmap")
FAILS = []
OIDC = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    print(("ok   - " if cond else "FAIL - ") + msg)


def trust(stmt):
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


def build(c):
    ec2, iam = c["ec2"], c["iam"]
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    ssh = ec2.create_security_group(GroupName="open-ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    alb = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        for p in (80, 443)])
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=60, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 3389, "To": 3389})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0")
    default_acl = ec2.describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]["NetworkAclId"]
    iam.create_role(RoleName="anyone", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    iam.create_role(RoleName="partner-no-id", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}))
    iam.create_role(RoleName="partner-with-id", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "a-secret-id"}}}))
    aud = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    iam.create_role(RoleName="gha-open", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": aud}}))
    iam.create_role(RoleName="gha-scoped", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": aud,
                       "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"}}}))
    iam.create_role(RoleName="escalator", AssumeRolePolicyDocument=trust(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="escalator", PolicyName="pass", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]}))
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={
        "InstanceType": "t3.micro", "MetadataOptions": {"HttpTokens": "optional"}})
    slr = None
    try:
        slr = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]["RoleName"]
    except Exception as e:  # older moto: no service-linked roles
        print("note: no service-linked role (%s)" % e)
    return {"ssh": ssh, "alb": alb, "acl": acl, "default_acl": default_acl, "slr": slr, "subnet": subnet}


def main():
    tmp = tempfile.mkdtemp(prefix="dm-posture-emu-")
    try:
        with est.Moto() as moto:
            moto.reset()
            c = est.clients(moto.url, "us-east-1")
            o = build(c)
            out = os.path.join(tmp, "posture.json")
            env = dict(os.environ)
            env.update(est.aws_env(moto.url))
            env["HOME"] = tmp
            p = subprocess.run([DM_BIN, "posture", "--region", "us-east-1", "--quiet", "--no-color",
                                "--output", "json=" + out], env=env, capture_output=True, text=True,
                               timeout=300)
            check(p.returncode in (0, 3) and os.path.exists(out),
                  "posture ran against the emulator (exit %d, %s)" % (p.returncode, p.stderr[-300:]))
            if not os.path.exists(out):
                return 1
            doc = json.load(open(out))
            check(doc.get("schema") == "driftmap.posture/v1", "posture/v1 document")
            hits = {}
            for f in doc["findings"]:
                hits.setdefault(f["rule"], set()).add(f["resource_id"])

            def fires(rule, rid, why):
                check(rid in hits.get(rule, set()), "%s fires on %s (%s)" % (rule, rid, why))

            def quiet(rule, rid, why):
                check(rid not in hits.get(rule, set()), "%s does not fire on %s (%s)" % (rule, rid, why))

            fires("SEG-02", o["ssh"], "SSH open to 0.0.0.0/0")
            quiet("SEG-02", o["alb"], "80/443 are allowed internet ports")
            fires("SEG-08", o["default_acl"], "default NACL allows 22 from the internet")
            quiet("SEG-08", o["acl"], "deny for 22/3389 comes before the allow")
            fires("IAM-07", "anyone", "Principal *")
            fires("IAM-08", "partner-no-id", "cross-account without ExternalId")
            quiet("IAM-08", "partner-with-id", "ExternalId condition")
            fires("IAM-09", "gha-open", "GitHub OIDC without sub")
            quiet("IAM-09", "gha-scoped", "sub restricted to one repository ref")
            fires("IAM-06", "escalator", "iam:PassRole + ec2:RunInstances on *")
            lt_ne = [n for n in doc.get("not_evaluated", []) if "launch_template" in json.dumps(n)]
            check(not lt_ne, "launch templates are collected (DescribeLaunchTemplateVersions with "
                  "LaunchTemplateVersion.1=$Default): %s" % lt_ne)
            if o["slr"]:
                reported = {f["resource_id"] for f in doc["findings"]}
                check(o["slr"] not in reported, "service-linked role %s never reported" % o["slr"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
