"""AWS regions mlplat can deploy to, and how many availability zones each offers.

Zone counts are those open to new accounts (us-west-1 and ap-northeast-1 keep a zone
closed to them). Checked 2026-11-22. China regions are left out: their partition
(aws-cn) needs service principals and endpoints mlplat does not generate yet.
"""

ZONES: dict[str, int] = {
    "us-east-1": 6,
    "us-east-2": 3,
    "us-west-1": 2,
    "us-west-2": 4,
    "ca-central-1": 3,
    "ca-west-1": 3,
    "mx-central-1": 3,
    "sa-east-1": 3,
    "eu-central-1": 3,
    "eu-central-2": 3,
    "eu-west-1": 3,
    "eu-west-2": 3,
    "eu-west-3": 3,
    "eu-south-1": 3,
    "eu-south-2": 3,
    "eu-north-1": 3,
    "il-central-1": 3,
    "me-south-1": 3,
    "me-central-1": 3,
    "af-south-1": 3,
    "ap-east-1": 3,
    "ap-east-2": 3,
    "ap-south-1": 3,
    "ap-south-2": 3,
    "ap-northeast-1": 3,
    "ap-northeast-2": 4,
    "ap-northeast-3": 3,
    "ap-southeast-1": 3,
    "ap-southeast-2": 3,
    "ap-southeast-3": 3,
    "ap-southeast-4": 3,
    "ap-southeast-5": 3,
    "ap-southeast-7": 3,
    "us-gov-east-1": 3,
    "us-gov-west-1": 3,
}

UNSUPPORTED: dict[str, str] = {
    "cn-north-1": "China regions (partition aws-cn) are not supported yet",
    "cn-northwest-1": "China regions (partition aws-cn) are not supported yet",
}


def partition(region: str) -> str:
    """The ARN partition of a supported region."""
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"
