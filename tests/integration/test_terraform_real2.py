#!/usr/bin/env python3
"""A second state written by real Terraform: the types and forms estate/ does not have.

`terraform apply` (Terraform and the hashicorp/aws provider from the local mirror, as
AWS_NOTES.md says) of fixtures/terraform/estate2/main.tf.tmpl against the AWS emulator:
aws_default_route_table/_network_acl/_security_group with rules, main route table and NACL
associations, NACL inline blocks, every security-group rule source inline and standalone, IAM
users, groups, memberships, user/group policies and attachments, the exclusive
aws_iam_policy_attachment, a role with inline_policy + managed_policy_arns, EKS cluster and
node group, default_tags, empty tag values, untagged resources, a second region through a
provider alias, and a local module instantiated with count and with for_each. The state
(terraform.tfstate, byte for byte) is committed to a git repo and scanned over both regions:
zero drift, complete. Then out-of-band changes through the AWS API and the exact findings
(kind, type, address, changed paths), nothing more, nothing less; rules revoked and re-added
in another order and a node group's desired size are not drift.
Exit 77 (skipped) when terraform, its provider mirror, moto_server or boto3 is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

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

REGIONS = ("us-east-1", "us-west-2")


def state_attrs(doc):
    """{address: attributes} of the managed resource instances."""
    out = {}
    for r in doc["resources"]:
        if r.get("mode") != "managed":
            continue
        for i in r["instances"]:
            addr = "%s.%s" % (r["type"], r["name"])
            if r.get("module"):
                addr = r["module"] + "." + addr
            k = i.get("index_key")
            if k is not None:
                addr += "[%s]" % (json.dumps(k) if isinstance(k, str) else k)
            out[addr] = i["attributes"]
    return out


def git_commit(repo, path):
    """terraform.tfstate as Terraform wrote it, committed on branch main."""
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True, env=env)
    shutil.copyfile(path, os.path.join(repo, "terraform.tfstate"))
    subprocess.run(["git", "-C", repo, "add", "terraform.tfstate"], check=True, env=env)
    subprocess.run(["git", "-C", repo, "commit", "-q", "-m", "apply"], check=True, env=env)
    return "git::%s//terraform.tfstate?ref=main" % repo


def scan(moto, state, tmp, tag):
    return tfreal.scan(moto, state, tmp, tag, REGIONS)


def findings(rep):
    """{(kind, type, address): sorted ["path:op", ...]}"""
    got = {}
    for d in rep["drift"]:
        got.setdefault((d["kind"], d["type"], d.get("address")), []).extend(
            "%s:%s" % (c["path"], c["op"]) for c in d.get("changes", []))
    return {k: sorted(v) for k, v in got.items()}


def out_of_band(moto, a):
    """Console-style changes; returns the findings they must produce."""
    east, west = est.clients(moto.url, "us-east-1"), est.clients(moto.url, "us-west-2")
    ec2, iam, eks = east["ec2"], east["iam"], east["eks"]
    doc = lambda d: json.dumps(d)  # noqa: E731

    # not drift: inline and aws_security_group_rule rules revoked and re-added in another order
    for addr in ("aws_security_group.web", "aws_security_group.api"):
        gid = a[addr]["id"]
        perms = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
        check(len(perms) >= 3, "%s has %d ingress permissions to shuffle" % (addr, len(perms)))
        ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=perms)
        for p in reversed(perms):
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[p])
    # not drift: the autoscaler moved the node group's desired size
    eks.update_nodegroup_config(clusterName="e2-core", nodegroupName="workers",
                                scalingConfig={"desiredSize": 3, "minSize": 1, "maxSize": 4})

    want = {}
    # 1. main route table switched back to the VPC's original one
    mra = a["aws_main_route_table_association.core"]
    ec2.replace_route_table_association(AssociationId=mra["id"],
                                        RouteTableId=a["aws_default_route_table.core"]["id"])
    want[("changed", "aws_main_route_table_association",
          "aws_main_route_table_association.core")] = ["route_table_id:replace"]
    # 2. a module subnet moved from the app NACL to the default NACL (its association is gone)
    na = 'module.zone["a"].aws_network_acl_association.this[0]'
    ec2.replace_network_acl_association(AssociationId=a[na]["id"],
                                        NetworkAclId=a["aws_default_network_acl.core"]["id"])
    want[("missing", "aws_network_acl_association", na)] = []
    # 3. a NACL rule added to the inline-managed NACL
    ec2.create_network_acl_entry(NetworkAclId=a["aws_network_acl.app"]["id"], RuleNumber=300,
                                 Protocol="6", RuleAction="deny", Egress=True,
                                 CidrBlock="10.99.0.0/16", PortRange={"From": 25, "To": 25})
    want[("changed", "aws_network_acl", "aws_network_acl.app")] = ["egress:add"]
    # 4. a user added to a group by hand
    iam.add_user_to_group(GroupName="e2-devs", UserName="e2-contractor")
    want[("changed", "aws_iam_user", "aws_iam_user.contractor")] = ["groups:add"]
    # 5. a group's inline policy edited
    iam.put_group_policy(GroupName="e2-ops", PolicyName="ops-inline", PolicyDocument=doc(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"}]}))
    want[("changed", "aws_iam_group_policy", "aws_iam_group_policy.ops")] = ["policy:replace"]
    # 6. a user policy attachment added by hand
    iam.attach_user_policy(UserName="e2-dev", PolicyArn=a["aws_iam_policy.read"]["arn"])
    want[("changed", "aws_iam_user", "aws_iam_user.dev")] = ["managed_policy_arns:add"]
    # 7. a rule added to the managed default security group
    ec2.authorize_security_group_ingress(
        GroupId=a["aws_default_security_group.core"]["id"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    want[("changed", "aws_default_security_group", "aws_default_security_group.core")] = ["ingress:add"]
    # 8. a tag only default_tags sets (tags has no ManagedBy, tags_all does) changed
    ec2.create_tags(Resources=[a["aws_security_group.db"]["id"]],
                    Tags=[{"Key": "ManagedBy", "Value": "console"}])
    want[("changed", "aws_security_group", "aws_security_group.db")] = ["tags.ManagedBy:replace"]
    # 9. a subnet of the count module deleted
    sn = "module.tier[0].aws_subnet.this[1]"
    ec2.delete_subnet(SubnetId=a[sn]["id"])
    want[("missing", "aws_subnet", sn)] = []
    # 10. second region: a tag added to an untagged VPC
    west["ec2"].create_tags(Resources=[a["aws_vpc.west"]["id"]],
                            Tags=[{"Key": "Owner", "Value": "someone"}])
    want[("changed", "aws_vpc", "aws_vpc.west")] = ["tags.Owner:add"]
    # 11. the exclusively attached policy attached to one more role
    iam.attach_role_policy(RoleName="e2-eks", PolicyArn=a["aws_iam_policy.shared"]["arn"])
    want[("changed", "aws_iam_role", "aws_iam_role.eks")] = ["managed_policy_arns:add"]
    # 12. a role's inline_policy edited
    iam.put_role_policy(RoleName="e2-svc", PolicyName="svc-inline", PolicyDocument=doc(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}]}))
    want[("changed", "aws_iam_role", "aws_iam_role.svc")] = ["inline_policy:replace"]
    # 13. the module's route table association of the second region removed
    ra = 'module.west["c"].aws_route_table_association.this[0]'
    west["ec2"].disassociate_route_table(AssociationId=a[ra]["id"])
    want[("missing", "aws_route_table_association", ra)] = []
    return want


def main():
    found = tfreal.tools()
    if not found:
        return 77
    tf, mirror = found
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="dm-tf-real2-")
    try:
        with est.Moto() as moto:
            moto.reset()
            work = os.path.join(tmp, "tf")
            shutil.copytree(os.path.join(SRC, "fixtures", "terraform", "estate2"), work)
            tmpl = os.path.join(work, "main.tf.tmpl")
            with open(os.path.join(work, "main.tf"), "w") as f:
                f.write(open(tmpl).read().replace("URL", moto.url))
            os.remove(tmpl)
            if not tfreal.apply(tf, mirror, work, tmp):
                return 1
            path = os.path.join(work, "terraform.tfstate")
            a = state_attrs(json.load(open(path)))
            # the forms this estate exists for are really in the state Terraform wrote
            for addr in ('module.zone["a"].aws_subnet.this[0]', "module.tier[0].aws_subnet.this[1]",
                         'module.west["c"].aws_route_table_association.this[0]',
                         "aws_iam_policy_attachment.shared", "aws_eks_node_group.core",
                         "aws_main_route_table_association.core", "aws_default_network_acl.core"):
                check(addr in a, "state holds %s" % addr)
            check(a["aws_security_group.db"]["tags"].get("ManagedBy") is None and
                  a["aws_security_group.db"]["tags_all"].get("ManagedBy") == "terraform",
                  "default_tags: tags_all differs from tags")
            check(a["aws_vpc.core"]["tags"].get("Note") == "", "a tag with an empty value")
            check(not a["aws_vpc.west"].get("tags") and not a["aws_vpc.west"].get("tags_all"),
                  "a resource with no tags at all")
            check(a["aws_iam_role.svc"]["managed_policy_arns"] and a["aws_iam_role.svc"]["inline_policy"],
                  "role with managed_policy_arns and inline_policy")
            state = git_commit(os.path.join(tmp, "repo"), path)

            rc, rep, err = scan(moto, state, tmp, "clean")
            check(rep is not None, "clean scan wrote a report (%s)" % err[-300:])
            if rep is None:
                return 1
            check(rc == 0 and rep["drift"] == [], "real Terraform state of %d resources: zero drift "
                  "(exit %d, %s)" % (len(a), rc, findings(rep)))
            check(rep["summary"]["complete"] and not rep["incomplete"], "scan complete (%s)" % rep["incomplete"])
            regions = sorted(l["region"] for l in rep["sources"]["live"] if l.get("complete"))
            check(all(r in regions for r in REGIONS), "both regions scanned completely (%s)" % regions)
            check(rep["summary"]["managed"] >= 50, "managed count %d" % rep["summary"]["managed"])
            check(rep["sources"]["state"][0].get("commit"), "state read from a git commit")

            want = out_of_band(moto, a)
            rc, rep, err = scan(moto, state, tmp, "changed")
            check(rep is not None, "second scan wrote a report (%s)" % err[-300:])
            if rep is None:
                return 1
            got = findings(rep)
            check(rc == 2, "exit 2 after the changes (got %d)" % rc)
            check(rep["summary"]["complete"], "second scan complete")
            for k, v in sorted(want.items()):
                check(got.get(k) == v, "finding %s %s %s %s (got %s)" % (k + (v, got.get(k))))
            extra = {k: v for k, v in got.items() if k not in want}
            check(not extra, "no other finding (extra: %s)" % extra)
            west_vpc = [d for d in rep["drift"] if d.get("address") == "aws_vpc.west"]
            check(len(west_vpc) == 1 and west_vpc[0]["region"] == "us-west-2",
                  "the second region's finding carries its region")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("# runtime %.1f s" % (time.time() - t_start))
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
