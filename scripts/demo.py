#!/usr/bin/env python3
"""The built-in demo: emulator + demo estate + state in git + console changes + scan.

usage: demo.py DRIFTMAP_BIN OUTDIR

1. starts the AWS emulator (moto_server) on 127.0.0.1,
2. seeds a realistic estate through the AWS API (VPC, subnets, security groups in every
   Terraform representation, routes, NAT, peering, NACLs, flow logs, endpoints, IAM, EKS),
3. writes the Terraform state for it and commits it to a git repository (OUTDIR/infra-repo),
4. makes console-style changes (SSH opened to the world, a subnet deleted, a group created by
   hand, tags edited, a policy attached, a node group resized — the last is not drift),
5. runs `driftmap scan` (text on stdout, JSON/Markdown/HTML/SARIF/JUnit files), draws the three
   diagrams, runs `driftmap posture` when available, and stops the emulator.
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import awsestate as est  # noqa: E402

REGION = "us-east-1"


def run(cmd, env, ok=(0,)):
    print("$ driftmap", " ".join(cmd[1:]), flush=True)
    p = subprocess.run(cmd, env=env)
    if p.returncode not in ok:
        sys.exit("demo: %s exited %d" % (cmd[1], p.returncode))
    return p.returncode


def main():
    dm, out = sys.argv[1], os.path.abspath(sys.argv[2])
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    repo = os.path.join(out, "infra-repo")
    with est.Moto() as moto:
        print("demo: AWS emulator on %s" % moto.url, flush=True)
        moto.reset(seed=7)
        cs = {REGION: est.clients(moto.url, REGION)}
        iam = est.build_iam(cs[REGION])
        ests = {REGION: est.build_region(cs[REGION], REGION, iam, cidr2="10.0",
                                         eks_name="demo-eks")}
        doc = est.write_state(cs, iam, ests).document()
        est.commit_state(repo, "envs/prod/terraform.tfstate", doc)
        print("demo: committed a state of %d resources to %s" %
              (sum(len(r["instances"]) for r in doc["resources"]), repo), flush=True)

        o = ests[REGION]
        ec2, iamc, eks = cs[REGION]["ec2"], cs[REGION]["iam"], cs[REGION]["eks"]
        ec2.authorize_security_group_ingress(GroupId=o["sg_web"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary debug"}]}])
        ec2.delete_subnet(SubnetId=o["extra_subnets"][0])
        ec2.create_security_group(GroupName="hand-made", Description="made in the console",
                                  VpcId=o["vpc"])
        ec2.create_tags(Resources=[o["vpc"]], Tags=[{"Key": "Owner", "Value": "someone"}])
        iamc.attach_role_policy(RoleName="app-eks", PolicyArn=iam["policy_logs"])
        if o.get("nodegroup"):
            eks.update_nodegroup_config(clusterName=o["eks"], nodegroupName=o["nodegroup"],
                                        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 3})
        print("demo: made console changes", flush=True)

        env = dict(os.environ)
        env.update(est.aws_env(moto.url))
        env["XDG_CACHE_HOME"] = os.path.join(out, "cache")
        state = "git::%s//envs/prod/*.tfstate?ref=main" % repo
        live = os.path.join(out, "live-inventory.json")
        rc = run([dm, "scan", "--state", state, "--region", REGION, "--no-color",
                  "--save-live", live,
                  "--output", "json=%s/drift.json" % out,
                  "--output", "markdown=%s/drift.md" % out,
                  "--output", "html=%s/drift.html" % out,
                  "--output", "sarif=%s/drift.sarif" % out,
                  "--output", "junit=%s/drift-junit.xml" % out], env, ok=(0, 2, 3))
        print("demo: scan exit code %d (2 = drift found)" % rc, flush=True)
        for view in ("current", "target", "drift"):
            run([dm, "diagram", "--view", view, "--state", state, "--live", live,
                 "--output", "svg=%s/diagram-%s.svg" % (out, view),
                 "--output", "png=%s/diagram-%s.png" % (out, view)], env)
        help_p = subprocess.run([dm, "posture", "--help"], capture_output=True)
        if help_p.returncode == 0:
            run([dm, "posture", "--region", REGION, "--no-color", "--quiet",
                 "--output", "json=%s/posture.json" % out,
                 "--output", "html=%s/posture.html" % out], env, ok=(0, 2, 3))
    print("\ndemo: reports and diagrams written to %s:" % out)
    for f in sorted(os.listdir(out)):
        print("   ", f)


if __name__ == "__main__":
    main()
