import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("mass_sms_broadcast_send", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("mass_sms.mass_sms_menu_root", "Open the Mass SMS app"),
        {
            trigger: ".o_menu_sections [data-menu-xmlid='mass_sms.sms_broadcast_menu_root']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='mass_sms.sms_broadcast_menu']",
            run: "click",
        },
        {
            content: "Open the pending broadcast the file made",
            trigger: ".o_data_row:has(.badge:contains('Pending')) td[name=name]:contains('Tour Broadcast')",
            run: "click",
        },
        {
            content: "Send Now is on: the Send button shows",
            trigger: ".o_form_statusbar button[name=action_send]",
        },
        {
            content: "Untick Send Now to choose a date",
            trigger: ".o_field_widget[name=send_now] input",
            run: "click",
        },
        {
            content: "The Schedule button replaces Send, with the On Date field",
            trigger: ".o_form_statusbar:not(:has(button[name=action_send])) button[name=action_schedule]",
        },
        {
            trigger: ".o_field_widget[name=date] input",
        },
        {
            content: "Tick Send Now again",
            trigger: ".o_field_widget[name=send_now] input",
            run: "click",
        },
        {
            trigger: ".o_form_statusbar button[name=action_send]",
            run: "click",
        },
        {
            content: "The broadcast is sending",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sending')",
        },
    ],
});
