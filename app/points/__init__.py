"""Points (积分): the ledger, rewards and redemptions, rider and office pages."""
