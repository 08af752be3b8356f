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
        # spare=False: the estate the fixtures were recorded from (seeded ids stay stable)
        est = awsestate.build_region(c, "us-east-1", iam, spare=False)
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
        rec("iam", "ListRoles", "xml", lambda: c["iam"].list_roles(MaxItems=1000))
        rec("iam", "ListPolicyTags", "xml",
            lambda: c["iam"].list_policy_tags(PolicyArn=iam["policy_read"]))
        eks = c["eks"]
        rec("eks", "ListClusters", "json", lambda: eks.list_clusters())
        rec("eks", "DescribeCluster", "json", lambda: eks.describe_cluster(name=est["eks"]))
        rec("eks", "ListNodegroups", "json", lambda: eks.list_nodegroups(clusterName=est["eks"]))
        rec("eks", "DescribeNodegroup", "json",
            lambda: eks.describe_nodegroup(clusterName=est["eks"], nodegroupName=est["nodegroup"]))

    make_pages(out)
    return 0


def _top_level(body, tag):
    """Top-level <tag>…</tag> elements of an XML fragment (nesting-aware)."""
    parts, depth, cur, i = [], 0, "", 0
    open_t, close_t = "<%s>" % tag, "</%s>" % tag
    while i < len(body):
        if body.startswith(open_t, i):
            if depth == 0:
                cur = ""
            depth += 1
            cur += open_t
            i += len(open_t)
            continue
        if body.startswith(close_t, i):
            depth -= 1
            cur += close_t
            i += len(close_t)
            if depth == 0:
                parts.append(cur)
            continue
        if depth > 0:
            cur += body[i]
        i += 1
    return parts


def make_pages(out):
    """The hand-made multi-page variants (moto never pages these calls)."""
    import re
    p = lambda n: os.path.join(out, n)
    s = open(p("ec2_DescribeSubnets.xml")).read()
    head, rest = s.split("<subnetSet>", 1)
    body, tail = rest.rsplit("</subnetSet>", 1)
    items = _top_level(body, "item")
    tok = "eyJ2IjoxLCJjIjoicGFnZTIifQ=="
    with open(p("ec2_DescribeSubnets_page1.xml"), "w") as f:
        f.write(head + "<subnetSet>" + "".join(items[:3]) + "</subnetSet><nextToken>" + tok +
                "</nextToken>" + tail)
    with open(p("ec2_DescribeSubnets_page2.xml"), "w") as f:
        f.write(head + "<subnetSet>" + "".join(items[3:]) + "</subnetSet>" + tail)
    s = open(p("iam_GetAccountAuthorizationDetails.xml")).read()
    m = re.search(r"<RoleDetailList>(.*)</RoleDetailList>", s, re.S)
    roles = _top_level(m.group(1), "member")
    pol = re.search(r"<Policies>.*</Policies>", s, re.S).group(0)
    pre, post = s[:m.start()], s[s.index("<IsTruncated>"):]
    with open(p("iam_GetAccountAuthorizationDetails_page1.xml"), "w") as f:
        f.write(pre + "<RoleDetailList>" + "".join(roles[:2]) + "</RoleDetailList><Policies/>"
                "<IsTruncated>true</IsTruncated><Marker>AAE+marker/2==</Marker>" +
                post.replace("<IsTruncated>false</IsTruncated>", "", 1))
    with open(p("iam_GetAccountAuthorizationDetails_page2.xml"), "w") as f:
        f.write(pre + "<RoleDetailList>" + "".join(roles[2:]) + "</RoleDetailList>" + pol + post)
    with open(p("eks_ListClusters_page1.json"), "w") as f:
        f.write('{"clusters": ["prod-eks"], "nextToken": "eyJwIjoyfQ=="}')
    with open(p("eks_ListClusters_page2.json"), "w") as f:
        f.write('{"clusters": []}')
    s = open(p("iam_ListPolicyTags.xml")).read()
    with open(p("iam_ListPolicyTags_empty.xml"), "w") as f:
        f.write(re.sub(r"<Tags>.*</Tags>", "<Tags/>", s))


if __name__ == "__main__":
    sys.exit(main())
