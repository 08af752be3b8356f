#!/usr/bin/env python3
"""IAM posture rules (IAM-01..15) over an estate built in the AWS emulator (issue 7, item 9).

Roles, policies, instance profiles, users, keys, MFA devices and instances are created through
the IAM/EC2 APIs in moto_server (AWS-managed policies loaded, so AdministratorAccess exists);
`driftmap posture` collects them with the live AWS provider (GetAccountAuthorizationDetails,
the credential report, DescribeInstances). For each rule: a resource built to trip it and a
sibling built to look alike but comply. Traps from the catalogue: ExternalId trust (passes) vs
none (fails), GitHub OIDC trust with and without `sub`, a service-linked role (never reported),
privilege escalation scoped to ${aws:username} (not a finding), Deny * cancelling admin.
Time-based parts (IAM-11 stale roles, IAM-15 key rotation) cannot be aged in moto: a second run
with the thresholds at 0 days shows the same objects flip (the aged cases, RoleLastUsed — moto
never sets it — and root-account rows — moto's credential report has none — are in the
saved-inventory unit tests). Users and groups come from the same GetAccountAuthorizationDetails
(Filter User, Group): a user with an admin inline policy (IAM-01, IAM-12), a user with a managed
policy attached directly (IAM-12), a group with AdministratorAccess and a member (IAM-02 on the
group, the member quiet), a group with an inline policy (IAM-12); ListInstanceProfiles (posture
only) shows the instance profile without a role (IAM-13). Exit 77 (skipped) only when moto_server
or boto3 is missing.
"""
import json

import posture_estate_util as pu

P = pu.policy
ACCT = "123456789012"
OIDC = "arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % ACCT
AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def allow(action, resource="*", **kw):
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    s.update(kw)
    return s


def svc_trust(svc, cond=None):
    s = {"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}
    if cond:
        s["Condition"] = cond
    return P(s)


def build(c, moto):
    iam, ec2 = c["iam"], c["ec2"]
    o = {}

    def role(name, trust, inline=None, attach=()):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        if inline:
            iam.put_role_policy(RoleName=name, PolicyName=name + "-inline", PolicyDocument=inline)
        for a in attach:
            iam.attach_role_policy(RoleName=name, PolicyArn=a)
        return name

    def managed(name, doc, attach_to=None):
        arn = iam.create_policy(PolicyName=name, PolicyDocument=doc)["Policy"]["Arn"]
        if attach_to:
            iam.attach_role_policy(RoleName=attach_to, PolicyArn=arn)
        o[name] = arn
        return arn

    ec2_trust = svc_trust("ec2.amazonaws.com")
    # IAM-01: customer-managed admin (attached) vs the same with a Deny * in the document
    role("holder", ec2_trust)
    managed("cm-admin", P(allow("*")), "holder")
    managed("cm-admin-denied", P(allow("*"), {"Effect": "Deny", "Action": "*", "Resource": "*"}), "holder")
    managed("cm-scoped", P(allow("*", "arn:aws:s3:::one-bucket/*")), "holder")
    # IAM-02: AdministratorAccess attached vs ReadOnlyAccess
    role("admin-role", ec2_trust, attach=[ADMIN])
    role("readonly-role", ec2_trust, attach=[READONLY])
    # IAM-03: s3:* on * vs s3:GetObject
    managed("svc-wildcard", P(allow("s3:*")), "holder")
    managed("svc-specific", P(allow("s3:GetObject")), "holder")
    # IAM-04: Allow+NotAction vs Deny+NotAction
    managed("allow-notaction", P(allow(None) if False else {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            "holder")
    managed("deny-notaction", P(allow("s3:GetObject"),
                                {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}), "holder")
    # IAM-05: sts:AssumeRole on * vs on one role
    managed("assume-any", P(allow("sts:AssumeRole")), "holder")
    managed("assume-one", P(allow("sts:AssumeRole", "arn:aws:iam::%s:role/deployer" % ACCT)), "holder")
    # IAM-06: escalation on * vs the same actions scoped to the caller (${aws:username})
    role("escalator", ec2_trust, inline=P(allow(["iam:PassRole", "ec2:RunInstances"])))
    # (per principal: holder is already admin, so the escalation sets get principals of their own)
    role("self-service", ec2_trust)
    managed("self-keys", P(allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile", "iam:CreateLoginProfile"],
                                 "arn:aws:iam::%s:user/${aws:username}" % ACCT)), "self-service")
    role("key-minter", ec2_trust)
    managed("any-keys", P(allow(["iam:CreateAccessKey"], "arn:aws:iam::%s:user/*" % ACCT)), "key-minter")
    # IAM-07: Principal "*" vs "*" restricted to the organisation
    role("anyone", P({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    role("org-only", P({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}))
    # IAM-08: cross-account without / with ExternalId
    role("partner-no-id", P({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                             "Action": "sts:AssumeRole"}))
    role("partner-with-id", P({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole",
                               "Condition": {"StringEquals": {"sts:ExternalId": "a-secret-id"}}}))
    # IAM-09: GitHub OIDC without sub / with sub "repo:*" / with a repository ref
    oidc = {"Effect": "Allow", "Principal": {"Federated": OIDC}, "Action": "sts:AssumeRoleWithWebIdentity"}
    role("gha-open", P(dict(oidc, Condition={"StringEquals": AUD})))
    role("gha-any-repo", P(dict(oidc, Condition={"StringEquals": AUD, "StringLike": {
        "token.actions.githubusercontent.com:sub": "repo:*"}})))
    role("gha-scoped", P(dict(oidc, Condition={"StringEquals": AUD, "StringLike": {
        "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main"}})))
    # IAM-10: Lambda trust without / with aws:SourceAccount
    role("lambda-open", svc_trust("lambda.amazonaws.com"))
    role("lambda-guarded", svc_trust("lambda.amazonaws.com", {"StringEquals": {"aws:SourceAccount": ACCT}}))
    # IAM-11: a role never used (moto 5 never sets RoleLastUsed, even after AssumeRole)
    role("never-used", ec2_trust)
    # IAM-12: inline policy vs managed only (readonly-role)
    role("inline-role", ec2_trust, inline=P(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    # IAM-13: unattached policy; instance profile without role; instances with / without profile
    managed("orphan-policy", P(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    iam.create_instance_profile(InstanceProfileName="empty-profile")
    for name, r in (("admin-profile", "admin-role"), ("plain-profile", "readonly-role")):
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=r)
    # users and groups (GAAD UserDetailList / GroupDetailList)
    iam.create_user(UserName="u-admin")
    iam.put_user_policy(UserName="u-admin", PolicyName="u-admin-inline", PolicyDocument=P(allow("*")))
    iam.create_user(UserName="u-compliant")
    iam.create_user(UserName="u-direct")
    iam.attach_user_policy(UserName="u-direct", PolicyArn=READONLY)
    iam.create_group(GroupName="g-admins")
    iam.attach_group_policy(GroupName="g-admins", PolicyArn=ADMIN)
    iam.create_user(UserName="u-member")
    iam.add_user_to_group(GroupName="g-admins", UserName="u-member")
    iam.add_user_to_group(GroupName="g-admins", UserName="u-compliant")
    iam.create_group(GroupName="g-inline")
    iam.put_group_policy(GroupName="g-inline", PolicyName="g-inline-read",
                         PolicyDocument=P(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    iam.create_group(GroupName="g-plain")
    # IAM-14: public instance with an admin profile vs public instance with a read-only profile
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.80.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=sn, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rt, SubnetId=sn)
    for name, prof in (("i_admin", "admin-profile"), ("i_plain", "plain-profile"), ("i_none", None)):
        kw = {"IamInstanceProfile": {"Name": prof}} if prof else {}
        i = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=sn, **kw)["Instances"][0]
        o[name] = i["InstanceId"]
        o[name + "_ip"] = i.get("PublicIpAddress")
    # IAM-15: console user without MFA vs with MFA; two active keys vs one active + one inactive
    for u in ("bob", "carol", "dave", "erin"):
        iam.create_user(UserName=u)
    iam.create_login_profile(UserName="bob", Password="Xx-12345678-long!")
    iam.create_login_profile(UserName="carol", Password="Xx-12345678-long!")
    mfa = iam.create_virtual_mfa_device(VirtualMFADeviceName="carol")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="carol", SerialNumber=mfa, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.create_access_key(UserName="dave")
    iam.create_access_key(UserName="dave")
    iam.create_access_key(UserName="erin")
    k2 = iam.create_access_key(UserName="erin")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="erin", AccessKeyId=k2, Status="Inactive")
    # never reported: a service-linked role with an admin-looking name
    o["slr"] = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]["RoleName"]
    return o


def ev_has(*needles):
    return lambda f: all(n in json.dumps(f.get("evidence")) for n in needles)


def verify(reports, o, c):
    r, z = reports[""], reports["zero-days"]
    r.fires("IAM-01", o["cm-admin"], "Action * on Resource * (customer-managed, attached)")
    r.quiet("IAM-01", o["cm-admin-denied"], "Deny * in the same document")
    r.quiet("IAM-01", o["cm-scoped"], "Action * on one bucket only")
    r.fires("IAM-02", "admin-role", "AdministratorAccess attached", sub=ADMIN, sev="high")
    r.quiet("IAM-02", "readonly-role", "ReadOnlyAccess attached")
    r.fires("IAM-03", o["svc-wildcard"], "s3:* on *", evidence=ev_has("s3:*"))
    r.quiet("IAM-03", o["svc-specific"], "s3:GetObject on *")
    r.fires("IAM-04", o["allow-notaction"], "Allow + NotAction")
    r.quiet("IAM-04", o["deny-notaction"], "Deny + NotAction")
    r.fires("IAM-05", o["assume-any"], "sts:AssumeRole on *", sev="high")
    r.quiet("IAM-05", o["assume-one"], "sts:AssumeRole on one role")
    r.fires("IAM-06", "escalator", "iam:PassRole + ec2:RunInstances on *", sub="PassRole+RunInstances")
    r.fires("IAM-06", "key-minter", "iam:CreateAccessKey on every user", evidence=ev_has("any-keys"))
    r.quiet("IAM-06", "self-service", "the same actions scoped to ${aws:username}")
    r.fires("IAM-07", "anyone", "Principal *", sev="critical")
    r.quiet("IAM-07", "org-only", "Principal * restricted by aws:PrincipalOrgID")
    r.fires("IAM-08", "partner-no-id", "cross-account without ExternalId", sub="444455556666")
    r.quiet("IAM-08", "partner-with-id", "ExternalId condition")
    r.fires("IAM-09", "gha-open", "GitHub OIDC without sub", sev="critical")
    r.fires("IAM-09", "gha-any-repo", "GitHub OIDC with sub repo:*")
    r.quiet("IAM-09", "gha-scoped", "sub restricted to one repository ref")
    r.fires("IAM-10", "lambda-open", "Lambda trust without SourceAccount/SourceArn", sev="low")
    r.quiet("IAM-10", "lambda-guarded", "aws:SourceAccount condition")
    r.quiet("IAM-10", "holder", "ec2.amazonaws.com is a known false positive")
    r.quiet("IAM-11", "never-used", "created today: younger than stale_role_days (90)")
    z.fires("IAM-11", "never-used", "stale_role_days 0: never used, CreateDate before now",
            evidence=lambda f: f["evidence"].get("last_used_date") in (None, ""))
    r.fires("IAM-12", "inline-role", "inline role policy", sub="inline")
    r.quiet("IAM-12", "readonly-role", "managed policies only")
    # users and groups, collected from GAAD
    r.fires("IAM-01", "u-admin", "user inline policy grants full admin", sub="inline:u-admin-inline", sev="high")
    r.fires("IAM-12", "u-admin", "user inline policy", sub="inline")
    r.fires("IAM-12", "u-direct", "managed policy attached to the user directly", sub="direct-managed",
            evidence=ev_has("ReadOnlyAccess"))
    r.quiet("IAM-12", "u-direct", "no inline policy", sub="inline")
    r.fires("IAM-02", "g-admins", "AdministratorAccess attached to a group", sub=ADMIN, sev="high")
    r.quiet("IAM-12", "g-admins", "managed policies only")
    r.fires("IAM-12", "g-inline", "group inline policy", sub="inline")
    r.quiet("IAM-12", "g-plain", "group without policies")
    for u in ("u-compliant", "u-member"):
        for rule in ("IAM-01", "IAM-02", "IAM-04", "IAM-05", "IAM-06", "IAM-12"):
            r.quiet(rule, u, "permissions only through a group")
    r.quiet("IAM-01", "u-direct", "ReadOnlyAccess is not admin")
    r.quiet("IAM-02", "u-direct", "ReadOnlyAccess attached")
    r.fires("IAM-13", o["orphan-policy"], "customer-managed policy with no attachment", sub="unattached-policy")
    r.quiet("IAM-13", o["cm-scoped"], "attached policy", sub="unattached-policy")
    # an instance profile with no role is invisible to GetAccountAuthorizationDetails (it lists
    # profiles inside RoleDetailList): posture adds ListInstanceProfiles
    r.fires("IAM-13", "empty-profile", "instance profile without a role", sub="profile-without-role")
    r.quiet("IAM-13", "plain-profile", "instance profile with a role")
    r.quiet("IAM-13", "admin-profile", "instance profile with a role")
    r.fires("IAM-13", o["i_none"], "instance without a profile", sub="instance-without-profile")
    r.quiet("IAM-13", o["i_plain"], "instance with a profile")
    c.check(bool(o["i_admin_ip"]) and bool(o["i_plain_ip"]), "estate: both instances have public IPs")
    r.fires("IAM-14", o["i_admin"], "public instance with an AdministratorAccess profile", sev="critical",
            evidence=ev_has("admin-role"))
    r.quiet("IAM-14", o["i_plain"], "public instance with a read-only profile")
    r.fires("IAM-15", ACCT, "console user without MFA", sub="bob:no-mfa")
    r.quiet("IAM-15", ACCT, "console user with a virtual MFA device", sub="carol:no-mfa")
    r.fires("IAM-15", ACCT, "two active access keys", sub="dave:two-active-keys")
    r.quiet("IAM-15", ACCT, "one active and one inactive key", sub="erin:two-active-keys")
    r.quiet("IAM-15", ACCT, "keys created today are within key_rotation_days", sub="key1-rotation")
    z.fires("IAM-15", ACCT, "key_rotation_days 0: the active key is overdue", sub="erin:key1-rotation")
    z.quiet("IAM-15", ACCT, "key_rotation_days 0: the inactive key is not checked", sub="erin:key2-rotation")
    # never reported, by any rule
    for rep in (r, z):
        hit = [(f["rule"], f["resource_id"]) for f in rep.doc["findings"]
               if o["slr"] in f["resource_id"] or "aws-service-role" in json.dumps(f.get("evidence"))]
        c.check(not hit, "%sservice-linked role %s never reported (%s)" % (rep.label, o["slr"], hit))
    r.never_not_evaluated({"IAM-%02d" % i for i in range(1, 16)})


if __name__ == "__main__":
    import sys
    sys.exit(pu.main_wrapper(build, verify, moto_env={"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}, configs={
        "": None,
        "zero-days": "stale_role_days: 0\nkey_rotation_days: 0\n"}))
