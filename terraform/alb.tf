# Internet-facing ALB: HTTPS only (Twilio needs https webhooks and wss streams), WebSocket-friendly
# idle timeout, readiness health checks, and a deregistration delay equal to the drain timeout so a
# stopping task keeps its calls while new ones go elsewhere.

resource "aws_lb" "main" {
  #checkov:skip=CKV2_AWS_28:No WAF in front: every route is already authenticated (X-Twilio-Signature on /twilio/*, bearer keys on /call and /calls, 413 over MAX_REQUEST_BYTES), and WAF's body inspection does not apply to WebSocket audio. Attach one with aws_wafv2_web_acl_association if policy requires it.
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  idle_timeout               = var.alb_idle_timeout_secs
  drop_invalid_header_fields = true
  enable_deletion_protection = true

  access_logs {
    bucket  = var.alb_access_logs_bucket
    prefix  = var.name
    enabled = true
  }
}

resource "aws_lb_target_group" "gateway" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB → task traffic is plain HTTP inside the VPC, on a port whose security group admits only the ALB. The gateway serves no TLS itself.
  name                 = var.name
  port                 = local.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = var.drain_timeout_secs

  health_check {
    path                = local.readiness_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}
