terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State holds the generated Redis auth token: keep it in an encrypted, access-controlled backend,
  # e.g. `terraform init -backend-config=backend.hcl` with an S3 bucket (encrypt = true) and locking.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Service = var.name }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
