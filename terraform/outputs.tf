output "alb_dns_name" {
  description = "Point public_host's DNS record (CNAME or alias) here."
  value       = aws_lb.main.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the ALB, for a Route 53 alias record."
  value       = aws_lb.main.zone_id
}

output "twilio_voice_webhook_url" {
  description = "The number's 'A call comes in' webhook (HTTP POST)."
  value       = "https://${var.public_host}/twilio/voice"
}

output "twilio_status_callback_url" {
  description = "The number's 'Call status changes' webhook (HTTP POST)."
  value       = "https://${var.public_host}/twilio/status"
}

output "ecr_repository_url" {
  description = "Push the gateway image here (docker push URL:image_tag)."
  value       = aws_ecr_repository.gateway.repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = aws_ecs_cluster.main.name
}

output "service_name" {
  description = "ECS service."
  value       = aws_ecs_service.gateway.name
}

output "log_group" {
  description = "CloudWatch log group of the gateway and the ADOT sidecar."
  value       = aws_cloudwatch_log_group.gateway.name
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint (TLS, AUTH); the full REDIS_URL is in the redis-url secret."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "secret_arns" {
  description = "Secrets Manager ARNs by environment variable name: put each injected one's value before the first deployment."
  value       = merge({ for env, s in aws_secretsmanager_secret.vendor : env => s.arn }, { REDIS_URL = aws_secretsmanager_secret.redis_url.arn })
}
