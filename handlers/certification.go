package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type certificationRequest struct {
	ResourceID int64   `json:"resource_id"`
	ExpiresOn  *string `json:"expires_on"`
}

type certificationJSON struct {
	MemberID   int64     `json:"member_id"`
	ResourceID int64     `json:"resource_id"`
	ExpiresOn  *string   `json:"expires_on"`
	GrantedBy  int64     `json:"granted_by"`
	GrantedAt  time.Time `json:"granted_at"`
}

func toCertification(c *models.Certification) certificationJSON {
	return certificationJSON{MemberID: c.MemberID, ResourceID: c.ResourceID, ExpiresOn: c.ExpiresOn,
		GrantedBy: c.GrantedBy, GrantedAt: c.GrantedAt.In(c.Location())}
}

func (s *server) handleCertify(c echo.Context) error {
	var req certificationRequest
	id, err := pathIDAndBody(c, decode, &req)
	if err != nil {
		return err
	}
	cert, err := s.db.Certify(c.Request().Context(), actor(c), id, req.ResourceID, req.ExpiresOn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toCertification(cert))
}

func (s *server) handleUncertify(c echo.Context) error {
	return deleteChild(c, "resource_id", s.db.Uncertify)
}

type certificationsResponse struct {
	Certifications []certificationJSON `json:"certifications"`
}

func (s *server) handleListCertifications(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.User(c.Request().Context(), id); err != nil {
		return err
	}
	list, err := s.db.Certifications(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, certificationsResponse{Certifications: renderAll(list, toCertification)})
}

type heldCertificationJSON struct {
	ResourceID   int64   `json:"resource_id"`
	ResourceName string  `json:"resource_name"`
	ExpiresOn    *string `json:"expires_on"`
}

type heldCertificationsResponse struct {
	Certifications []heldCertificationJSON `json:"certifications"`
}

// handleMyCertifications lists the caller's own certifications: what Book
// needs to tell a member which machines they may use, and until when.
func (s *server) handleMyCertifications(c echo.Context) error {
	list, err := s.db.CertificationsHeld(c.Request().Context(), actor(c).ID)
	if err != nil {
		return err
	}
	out := heldCertificationsResponse{Certifications: make([]heldCertificationJSON, len(list))}
	for i, h := range list {
		out.Certifications[i] = heldCertificationJSON{ResourceID: h.ResourceID, ResourceName: h.ResourceName, ExpiresOn: h.ExpiresOn}
	}
	return c.JSON(http.StatusOK, out)
}
