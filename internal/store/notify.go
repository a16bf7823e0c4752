package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// campaignsChannel is the PostgreSQL notification channel on which a
// campaign that starts sending is announced to every ratify process.
const campaignsChannel = "ratify_campaigns"

// notifyCampaigns announces, on PostgreSQL, that a campaign is to send now;
// inside a transaction the notice goes out when it commits.
func (s *Store) notifyCampaigns(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	return mapErr(s.conn(ctx).Exec("SELECT pg_notify(?, '')", campaignsChannel).Error, "campaign")
}

// ListenCampaigns calls wake each time a campaign starts or resumes, in this
// process or another on the same database, until ctx ends or the
// connection fails. It holds one connection of the pool for that. On SQLite,
// whose writers all live in this process, it returns at once and the engine
// relies on its polling.
func (s *Store) ListenCampaigns(ctx context.Context, wake func()) error {
	if s.dialect != Postgres {
		return nil
	}
	conn, err := s.heldConn(ctx)
	if err != nil {
		return fmt.Errorf("listen for campaigns: %w", err)
	}
	defer conn.Close()
	err = withPgx(conn, func(pc *pgx.Conn) error {
		if _, err := pc.Exec(ctx, "LISTEN "+campaignsChannel); err != nil {
			return err
		}
		for {
			if _, err := pc.WaitForNotification(ctx); err != nil {
				// The connection may be mid-wait: it is not fit for the pool.
				_ = pc.Close(context.WithoutCancel(ctx))
				return err
			}
			wake()
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("listen for campaigns: %w", err)
}
