#!/usr/bin/env python3
"""A state written by real Terraform: zero drift, then exact findings after console changes.

`terraform apply` (Terraform and the hashicorp/aws provider from the local mirror, as
AWS_NOTES.md says) of fixtures/terraform/estate/main.tf.tmpl against the AWS emulator; the
resulting terraform.tfstate is scanned: zero drift. Then out-of-band changes through the AWS
API, one of each kind, and the exact findings, nothing more, nothing less: a rule added to an
inline-managed group, a standalone aws_security_group_rule revoked, an aws_route deleted, a
policy detached, an inline policy edited, tags changed, a group created by hand. A rule revoked
and re-added (same rule) is not drift.
Exit 77 (skipped) when terraform, its provider mirror, moto_server or boto3 is missing.
"""
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("DM_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
try:
    import boto3  # noqa: F401
    import awsestate as est
    import tfreal
    from tfreal import FAILS, check
except ImportError as e:
    print("SKIP: boto3 missing (%s)" % e)
    sys.exit(77)


def state_ids(doc):
    """{(type, name, index_key): id} of the managed resources."""
    out = {}
    for r in doc["resources"]:
        if r.get("mode") != "managed":
            continue
        for i in r["instances"]:
            out[(r["type"], r["name"], i.get("index_key"))] = i["attributes"]["id"]
    return out


def scan(moto, state, tmp, tag):
    return tfreal.scan(moto, state, tmp, tag)


def findings(rep):
    got = {}
    for d in rep["drift"]:
        got.setdefault((d["kind"], d["type"], d["resource_id"]), set()).update(
            c["path"].split(".")[0] for c in d.get("changes", []))
    return {k: sorted(v) for k, v in got.items()}


def main():
    found = tfreal.tools()
    if not found:
        return 77
    tf, mirror = found
    tmp = tempfile.mkdtemp(prefix="dm-tf-real-")
    try:
        with est.Moto() as moto:
            moto.reset()
            work = os.path.join(tmp, "tf")
            os.makedirs(work)
            tmpl = open(os.path.join(SRC, "fixtures", "terraform", "estate", "main.tf.tmpl")).read()
            with open(os.path.join(work, "main.tf"), "w") as f:
                f.write(tmpl.replace("URL", moto.url))
            if not tfreal.apply(tf, mirror, work, tmp):
                return 1
            state = os.path.join(work, "terraform.tfstate")
            doc = json.load(open(state))
            ids = state_ids(doc)

            rc, rep, err = scan(moto, state, tmp, "clean")
            check(rep is not None, "clean scan wrote a report (%s)" % err[-300:])
            if rep is None:
                return 1
            check(rc == 0 and rep["drift"] == [], "real Terraform state of %d resources: zero drift "
                  "(exit %d, %s)" % (len(ids), rc, findings(rep)))
            check(rep["summary"]["managed"] >= 30, "managed count %d" % rep["summary"]["managed"])

            c = est.clients(moto.url, "us-east-1")
            ec2, iam = c["ec2"], c["iam"]
            web, app = ids[("aws_security_group", "web", None)], ids[("aws_security_group", "app", None)]
            vpc = ids[("aws_vpc", "main", None)]
            rtb_private = ids[("aws_route_table", "private", None)]
            # not drift: a rule revoked and added back
            perm443 = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]}]
            ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=perm443)
            ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=perm443)
            # drift, one of each kind
            ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            ec2.revoke_security_group_ingress(GroupId=app, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                 "UserIdGroupPairs": [{"GroupId": web}]}])
            ec2.delete_route(RouteTableId=rtb_private, DestinationCidrBlock="0.0.0.0/0")
            ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Env", "Value": "staging"}])
            hand = ec2.create_security_group(GroupName="hand-made", Description="console",
                                             VpcId=vpc)["GroupId"]
            pol = ids[("aws_iam_policy", "read", None)]
            iam.detach_role_policy(RoleName="app-role", PolicyArn=pol)
            iam.put_role_policy(RoleName="app-role", PolicyName="inline", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Sid": "Logs", "Effect": "Allow",
                                                         "Action": "logs:*", "Resource": "*"}]}))

            rc, rep, err = scan(moto, state, tmp, "changed")
            got = findings(rep)
            want = {
                ("changed", "aws_security_group", web): ["ingress"],
                ("missing", "aws_security_group_rule", ids[("aws_security_group_rule", "app_from_web", None)]): [],
                ("missing", "aws_route", ids[("aws_route", "private_nat", None)]): [],
                ("changed", "aws_vpc", vpc): ["tags"],
                ("unmanaged", "aws_security_group", hand): [],
                ("missing", "aws_iam_role_policy_attachment", ids[("aws_iam_role_policy_attachment", "app_read", None)]): [],
                ("changed", "aws_iam_role_policy", ids[("aws_iam_role_policy", "app_inline", None)]): ["policy"],
            }
            check(rc == 2, "exit 2 after the changes (got %d)" % rc)
            for k, v in sorted(want.items()):
                check(k in got and got[k] == v, "finding %s %s %s %s (got %s)" % (k + (v, got.get(k))))
            extra = {k: v for k, v in got.items() if k not in want}
            check(not extra, "no other finding (extra: %s)" % extra)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
