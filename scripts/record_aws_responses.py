#!/usr/bin/env python3
"""Record real wire responses from moto for the unit tests of the AWS mapping.

Starts moto_server on loopback, builds the test estate (tests/integration/
awsestate.py) in us-east-1, issues every list call driftmap makes, and stores
the raw HTTP response bodies under fixtures/aws/responses/:

    ec2_DescribeVpcs.xml, ..., iam_GetAccountAuthorizationDetails.xml,
    eks_ListClusters.json, eks_DescribeCluster.json, ...

Usage: scripts/record_aws_responses.py [OUTDIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import awsestate  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "fixtures", "aws",
                                                             "responses")
    os.makedirs(out, exist_ok=True)
    with awsestate.Moto() as m:
        m.reset(seed=42)
        c = awsestate.clients(m.url, "us-east-1")
        iam = awsestate.build_iam(c)
        est = awsestate.build_region(c, "us-east-1", iam)
        captured = {}

        def hook(http_response, model, **kw):
            captured["body"] = http_response.content

        for svc in ("ec2", "iam", "eks"):
            c[svc].meta.events.register("after-call.*", hook)

        def rec(svc, name, ext, call):
            captured.clear()
            call()
            path = os.path.join(out, "%s_%s.%s" % (svc, name, ext))
            with open(path, "wb") as f:
                f.write(captured["body"])
            print("wrote", path)

        ec2 = c["ec2"]
        for op in ("DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups",
                   "DescribeRouteTables", "DescribeInternetGateways", "DescribeNatGateways",
                   "DescribeAddresses", "DescribeVpcPeeringConnections", "DescribeNetworkAcls",
                   "DescribeFlowLogs", "DescribeVpcEndpoints", "DescribeRegions"):
            snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in op)[1:]
            rec("ec2", op, "xml", lambda: getattr(ec2, snake)())
        rec("ec2", "DescribeVpcAttribute_enableDnsHostnames", "xml",
            lambda: ec2.describe_vpc_attribute(VpcId=est["vpc"], Attribute="enableDnsHostnames"))
        rec("ec2", "DescribeVpcAttribute_enableDnsSupport", "xml",
            lambda: ec2.describe_vpc_attribute(VpcId=est["vpc"], Attribute="enableDnsSupport"))
        rec("iam", "GetAccountAuthorizationDetails", "xml",
            lambda: c["iam"].get_account_authorization_details(Filter=["Role", "LocalManagedPolicy"]))
        eks = c["eks"]
        rec("eks", "ListClusters", "json", lambda: eks.list_clusters())
        rec("eks", "DescribeCluster", "json", lambda: eks.describe_cluster(name=est["eks"]))
        rec("eks", "ListNodegroups", "json", lambda: eks.list_nodegroups(clusterName=est["eks"]))
        rec("eks", "DescribeNodegroup", "json",
            lambda: eks.describe_nodegroup(clusterName=est["eks"], nodegroupName=est["nodegroup"]))

    return 0


if __name__ == "__main__":
    sys.exit(main())
