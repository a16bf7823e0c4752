package store

import (
	"context"
	"strings"
	"time"

	"ratify/internal/model"
)

// ListCountries returns every state with its stage and focal organisation and person.
func (s *Store) ListCountries(ctx context.Context) ([]model.Country, error) {
	var out []model.Country
	err := s.conn(ctx).Preload("Stage").Preload("FocalOrganisation").Preload("FocalUser").Order("name").Find(&out).Error
	return out, mapErr(err, "countries")
}

// ListRegions returns each distinct (region, sub-region) pair, for the
// filter menus: one small query instead of every state with its preloads.
func (s *Store) ListRegions(ctx context.Context) ([][2]string, error) {
	var rows []struct{ Region, Subregion string }
	err := s.conn(ctx).Model(&model.Country{}).Distinct("region", "subregion").Order("region, subregion").Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "regions")
	}
	out := make([][2]string, len(rows))
	for i, r := range rows {
		out[i] = [2]string{r.Region, r.Subregion}
	}
	return out, nil
}

// GetCountry loads one state by ISO3 code (any letter case).
func (s *Store) GetCountry(ctx context.Context, iso3 string) (*model.Country, error) {
	var c model.Country
	err := s.conn(ctx).Preload("Stage").Preload("FocalOrganisation").Preload("FocalUser").
		Where("iso3 = ?", strings.ToUpper(iso3)).First(&c).Error
	return &c, mapErr(err, "country")
}

// UpdateCountryCampaign writes the campaign fields, zero values included.
func (s *Store) UpdateCountryCampaign(ctx context.Context, iso3 string, f model.CampaignFields, by int64, now time.Time) error {
	res := s.conn(ctx).Model(&model.Country{}).Where("iso3 = ?", iso3).Updates(map[string]any{
		"priority": f.Priority, "stage_id": f.StageID, "focal_organisation_id": f.FocalOrganisationID,
		"focal_user_id": f.FocalUserID, "next_step": f.NextStep, "next_step_date": f.NextStepDate,
		"notes": f.Notes, "updated_by_id": by, "updated_at": now,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("country")
	}
	return mapErr(res.Error, "country")
}

// ListStages returns the campaign pipeline in order.
func (s *Store) ListStages(ctx context.Context) ([]model.Stage, error) {
	var out []model.Stage
	err := s.conn(ctx).Order("position, id").Find(&out).Error
	return out, mapErr(err, "stages")
}

// GetStage loads one stage.
func (s *Store) GetStage(ctx context.Context, id int64) (*model.Stage, error) {
	var st model.Stage
	err := s.conn(ctx).First(&st, id).Error
	return &st, mapErr(err, "stage")
}

// CreateStage appends a stage; a taken name is a conflict.
func (s *Store) CreateStage(ctx context.Context, st *model.Stage) error {
	return stageConflict(mapErr(s.conn(ctx).Create(st).Error, "stage"))
}

// UpdateStage renames or moves a stage.
func (s *Store) UpdateStage(ctx context.Context, st *model.Stage) error {
	res := s.conn(ctx).Model(st).Select("name", "position").Updates(st)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("stage")
	}
	return stageConflict(mapErr(res.Error, "stage"))
}

// DeleteStage removes a stage that no country is in.
func (s *Store) DeleteStage(ctx context.Context, id int64) error {
	var n int64
	if err := s.conn(ctx).Model(&model.Country{}).Where("stage_id = ?", id).Count(&n).Error; err != nil {
		return mapErr(err, "stage")
	}
	if n > 0 {
		return &model.Error{Code: model.CodeConflict, Message: "countries are still in this stage; move them to another stage first"}
	}
	res := s.conn(ctx).Delete(&model.Stage{}, id)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("stage")
	}
	return mapErr(res.Error, "stage")
}

func stageConflict(err error) error {
	if model.ErrorCode(err) == model.CodeConflict {
		return &model.Error{Code: model.CodeConflict, Message: "a stage with this name exists",
			Fields: map[string]string{"name": "another stage has this name"}}
	}
	return err
}
